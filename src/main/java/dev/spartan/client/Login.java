package dev.spartan.client;

import com.google.protobuf.ByteString;
import dev.spartan.contract.Headers;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.LogoutRequest;
import dev.spartan.proto.PublicKeys;
import dev.spartan.tls.ChannelBinding;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/** The challenge-response login of PROTOCOL.md, and the header that carries its token on every later call. */
public final class Login {

    private Login() {}

    /** Asks for a challenge, signs it with the user's identity key and logs in. */
    public static LoginResponse perform(Channel channel, String user, Identity identity) {
        return perform(channel, user, identity, "");
    }

    /**
     * As {@link #perform(Channel, String, Identity)}, with an enrollment code for a first login. The proof is bound
     * to the certificate of the connection the challenge came over, as this client saw it.
     */
    public static LoginResponse perform(Channel channel, String user, Identity identity, String inviteCode) {
        return perform(
                channel,
                user,
                identity,
                inviteCode,
                (nonce, binding) -> LoginProof.sign(identity, user, nonce, binding));
    }

    /** The proof of a login: a signature over the challenge bytes of PROTOCOL.md. */
    public interface Prover {
        byte[] prove(byte[] nonce, byte[] binding);
    }

    /**
     * As {@link #perform(Channel, String, Identity, String)} for any device: {@code address} is the user or user#N,
     * and {@code prover} signs with that device's key (PROTOCOL.md, "Devices").
     */
    public static LoginResponse perform(
            Channel channel, String address, Identity identity, String inviteCode, Prover prover) {
        String user = address;
        AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel);
        BindingCapture binding = new BindingCapture();
        // Each call gets its own deadline: the first one also pays for the TCP and TLS handshakes.
        byte[] nonce = auth.withInterceptors(binding)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .challenge(ChallengeRequest.newBuilder().setUser(user).build())
                .getNonce()
                .toByteArray();
        return auth.withDeadlineAfter(10, TimeUnit.SECONDS)
                .login(LoginRequest.newBuilder()
                        .setUser(user)
                        .setNonce(ByteString.copyFrom(nonce))
                        .setSignature(ByteString.copyFrom(prover.prove(nonce, binding.seen())))
                        .setKeys(keys(identity))
                        .setInviteCode(inviteCode)
                        .build());
    }

    /** The public keys a login presents: the static pair's and the libsignal identity key. */
    public static PublicKeys keys(Identity identity) {
        return KeyBook.wire(identity.publicIdentity()).toBuilder()
                .setIdentityKey(ByteString.copyFrom(
                        identity.signalIdentity().getPublicKey().serialize()))
                .build();
    }

    /** Revokes the session of {@code token} on the server. */
    public static void logout(Channel channel, String token) {
        AuthGrpc.newBlockingStub(channel)
                .withInterceptors(bearer(token))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .logout(LogoutRequest.getDefaultInstance());
    }

    /** Adds "authorization: Bearer TOKEN" to every call of a stub. */
    public static ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(Headers.AUTHORIZATION, Headers.BEARER + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** Remembers the server certificate of the connection a call went over. */
    private static final class BindingCapture implements ClientInterceptor {
        private volatile byte[] seen = ChannelBinding.plaintext();

        byte[] seen() {
            return seen;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    ClientCall<Q, R> call = this;
                    super.start(
                            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                                @Override
                                public void onHeaders(Metadata received) {
                                    seen = ChannelBinding.ofPeer(
                                            call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                                    super.onHeaders(received);
                                }
                            },
                            headers);
                }
            };
        }
    }
}
