package dev.spartan.bench;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.PublicKeys;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;

/** A login over a shared channel, for benches that need thousands of users and no terminal. */
final class RawUser {
    private RawUser() {}

    /** Logs {@code user} in with a fresh identity and returns {@code stub} carrying the session token. */
    static <S extends AbstractStub<S>> S login(Channel channel, String user, S stub) {
        Identity id = Identity.generate();
        AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel);
        byte[] nonce = auth.challenge(ChallengeRequest.newBuilder().setUser(user).build()).getNonce().toByteArray();
        String token = auth.login(LoginRequest.newBuilder()
                .setUser(user)
                .setNonce(ByteString.copyFrom(nonce))
                .setSignature(ByteString.copyFrom(LoginProof.sign(id, user, nonce)))
                .setKeys(PublicKeys.newBuilder()
                        .setSigningKey(ByteString.copyFrom(id.publicIdentity().signingKey()))
                        .setAgreementKey(ByteString.copyFrom(id.publicIdentity().agreementKey())))
                .build()).getSessionToken();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
