package dev.spartan.client;

import com.google.protobuf.ByteString;
import dev.spartan.contract.Headers;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.LoginResponse;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/** The challenge-response login of PROTOCOL.md, and the header that carries its token on every later call. */
public final class Login {

    private Login() {}

    /** Asks for a challenge, signs it with the user's identity key and logs in. */
    public static LoginResponse perform(Channel channel, String user, Identity identity) {
        AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        byte[] nonce = auth.challenge(
                        ChallengeRequest.newBuilder().setUser(user).build())
                .getNonce()
                .toByteArray();
        return auth.login(LoginRequest.newBuilder()
                .setUser(user)
                .setNonce(ByteString.copyFrom(nonce))
                .setSignature(ByteString.copyFrom(LoginProof.sign(identity, user, nonce)))
                .setKeys(KeyBook.wire(identity.publicIdentity()))
                .build());
    }

    /** Adds "authorization: Bearer TOKEN" to every call of a stub. */
    public static ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(Headers.AUTHORIZATION, Headers.BEARER + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }
}
