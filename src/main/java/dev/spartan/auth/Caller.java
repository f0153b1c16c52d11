package dev.spartan.auth;

import dev.spartan.tls.ChannelBinding;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * Where the current call comes from: the peer's IP address and the channel binding of its connection (the SHA-256 of
 * the certificate this server presented on it). Set by {@link #interceptor} from the transport, never from anything
 * the client says.
 *
 * @param address    the peer's IP address; null if the transport has none (in-process)
 * @param binding    32 bytes, see {@link ChannelBinding}
 * @param connection the id {@link #connectionIds()} gave the call's connection; null if none was given
 */
// never compared or used as a key; the binding is only read
@SuppressWarnings("ArrayRecordComponent")
public record Caller(InetAddress address, byte[] binding, String connection) {
    private static final Context.Key<Caller> KEY = Context.key("spartan-caller");
    private static final Attributes.Key<String> CONNECTION = Attributes.Key.create("spartan-connection");
    private static final SecureRandom RANDOM = new SecureRandom();

    public Caller(InetAddress address, byte[] binding) {
        this(address, binding, null);
    }

    /** The caller of the current call; an unknown address and the plaintext binding outside a call. */
    public static Caller current() {
        Caller c = KEY.get();
        return c != null ? c : new Caller(null, ChannelBinding.plaintext());
    }

    /**
     * Gives every connection a random id when its handshakes are done, so that a session token can be bound to the
     * connection its login was made on: a token copied out of a client, or off a plaintext hop, then works nowhere
     * else. Installed on the client port unless {@code session_binding: none}.
     */
    public static ServerTransportFilter connectionIds() {
        return new ServerTransportFilter() {
            @Override
            public Attributes transportReady(Attributes attributes) {
                byte[] id = new byte[16];
                RANDOM.nextBytes(id);
                return attributes.toBuilder()
                        .set(CONNECTION, Base64.getUrlEncoder().withoutPadding().encodeToString(id))
                        .build();
            }
        };
    }

    /** The id of the connection {@code call} arrived on; null if connections get none. */
    public static String connectionOf(ServerCall<?, ?> call) {
        return call.getAttributes().get(CONNECTION);
    }

    /** The address as text for logs and the operator ("unknown" if none). */
    public String addressText() {
        return address == null ? "unknown" : address.getHostAddress();
    }

    /**
     * Sets the caller of every call from its transport.
     *
     * @param plaintextBinding the binding of a call that arrived without TLS: {@link ChannelBinding#plaintext()}, or
     *                         the fingerprint of the certificate a TLS-terminating proxy in front of this node shows
     */
    public static ServerInterceptor interceptor(byte[] plaintextBinding) {
        Objects.requireNonNull(plaintextBinding, "plaintextBinding");
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                var session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                byte[] binding = session != null ? ChannelBinding.ofLocal(session) : plaintextBinding.clone();
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                InetAddress address = remote instanceof InetSocketAddress in ? in.getAddress() : null;
                return Contexts.interceptCall(
                        Context.current().withValue(KEY, new Caller(address, binding, connectionOf(call))),
                        call,
                        headers,
                        next);
            }
        };
    }
}
