package dev.spartan.testing;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A user logged in over real gRPC from the test JVM, for protocol-level checks a terminal cannot make. */
public final class GrpcUser implements AutoCloseable {
    public final String name;
    public final Identity identity;
    private final ManagedChannel channel;
    private final SpartanGrpc.SpartanBlockingStub stub;

    public GrpcUser(String name, Path keyDir, int port) {
        this.name = name;
        try {
            this.identity = Identity.loadOrCreate(keyDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel);
        byte[] nonce = auth.challenge(ChallengeRequest.newBuilder().setUser(name).build()).getNonce().toByteArray();
        String token = auth.login(LoginRequest.newBuilder()
                .setUser(name)
                .setNonce(ByteString.copyFrom(nonce))
                .setSignature(ByteString.copyFrom(LoginProof.sign(identity, name, nonce)))
                .setKeys(PublicKeys.newBuilder()
                        .setSigningKey(ByteString.copyFrom(identity.publicIdentity().signingKey()))
                        .setAgreementKey(ByteString.copyFrom(identity.publicIdentity().agreementKey())))
                .build()).getSessionToken();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        stub = SpartanGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** Seals {@code text} for a 1:1 chat with {@code peer} and sends it with the given message id. */
    public dev.spartan.proto.SendAck sendTo(String peer, String messageId, String text) {
        dev.spartan.proto.PublicKeys peerKeys = stub.getKeys(
                dev.spartan.proto.GetKeysRequest.newBuilder().setUser(peer).build()).getKeys();
        java.util.Map<String, byte[]> readers = java.util.Map.of(
                name, identity.publicIdentity().agreementKey(), peer, peerKeys.getAgreementKey().toByteArray());
        dev.spartan.crypto.SealedMessage sealed = dev.spartan.crypto.MessageCrypto.seal(identity, name, "@" + peer,
                messageId, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), readers);
        dev.spartan.proto.Sealed.Builder wire = dev.spartan.proto.Sealed.newBuilder()
                .setSalt(ByteString.copyFrom(sealed.salt())).setBody(ByteString.copyFrom(sealed.body()));
        sealed.wrappedKeys().forEach((k, v) -> wire.putWrappedKeys(k, ByteString.copyFrom(v)));
        return stub.sendMsg(dev.spartan.proto.SendRequest.newBuilder().setMessageId(messageId)
                .setTo(dev.spartan.proto.ChatRef.newBuilder().setUser(peer)).setSealed(wire).build());
    }

    public SpartanGrpc.SpartanBlockingStub stub() {
        return stub;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
