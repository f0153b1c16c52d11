package dev.spartan.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.chat.KeyLog;
import dev.spartan.proto.ChatState;
import dev.spartan.proto.Event;
import dev.spartan.proto.GetKeysResponse;
import dev.spartan.proto.KeyLogRequest;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.MessageStore;
import java.nio.file.Path;
import java.time.Clock;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;

/**
 * What a lying operator can make with its own log key (read from its node's store): a second key log, the true one
 * plus a key it made for {@code victim}, and the answers of that world for one client (a {@link GhostProxy.Forgery}):
 * keys and bundles with their proofs in the forked log, the victim's replaced by an impostor's, and the log's heads
 * and consistency proofs from the fork. Every proof checks out for that client alone.
 */
public final class ForgedKeys implements GhostProxy.Forgery, AutoCloseable {
    private final EmbeddedStore store;
    private final KeyLog fork;
    private final String victim;
    private final IdentityKeyPair impostor = IdentityKeyPair.generate();

    public ForgedKeys(MessageStore node, Path dir, String victim) {
        this.victim = victim;
        this.store = EmbeddedStore.open(dir);
        store.keyLogKey(node.keyLogKey(new byte[0])); // the node made its key at start
        node.keyLogEntries(0).forEach(store::appendKeyLogEntry);
        // Its heads name the node's store, as the node's own do: nothing but the tree tells them apart.
        MessageStore asTheNode = (MessageStore) java.lang.reflect.Proxy.newProxyInstance(
                MessageStore.class.getClassLoader(), new Class<?>[] {MessageStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("epoch")) {
                        return node.epoch();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        this.fork = new KeyLog(asTheNode, Clock.systemUTC());
    }

    /** Logs a key of the impostor's in {@code user}'s name in the forked log, as for a user who never enrolled. */
    public void publish(String user) {
        fork.include(user, impostor.getPublicKey().serialize());
    }

    @Override
    public byte[] answer(String method, byte[] request, byte[] truth) throws InvalidProtocolBufferException {
        try {
            return switch (method) {
                case "spartan.v1.Spartan/GetKeys" ->
                    keys(GetKeysResponse.parseFrom(truth)).toByteArray();
                case "spartan.v1.Spartan/FetchPreKeyBundle" ->
                    bundle(PreKeyBundle.parseFrom(truth)).toByteArray();
                case "spartan.v1.KeyTransparency/KeyLog" ->
                    fork.answer(KeyLogRequest.parseFrom(request)).toByteArray();
                case "spartan.v1.Spartan/RequestChat", "spartan.v1.Spartan/AnswerChat" -> {
                    ChatState c = ChatState.parseFrom(truth);
                    yield c.getPeer().equals(victim) && c.hasPeerKeys()
                            ? c.toBuilder()
                                    .setPeerKeys(swapped(c.getPeerKeys()))
                                    .build()
                                    .toByteArray()
                            : truth;
                }
                case "spartan.v1.Spartan/ReceiveMsg" -> {
                    Event e = Event.parseFrom(truth);
                    yield e.hasChatAccepted() && e.getChatAccepted().getBy().equals(victim)
                            ? e.toBuilder()
                                    .setChatAccepted(e.getChatAccepted().toBuilder()
                                            .setKeys(swapped(e.getChatAccepted().getKeys())))
                                    .build()
                                    .toByteArray()
                            : truth;
                }
                default -> truth;
            };
        } catch (RuntimeException e) {
            return truth; // a question the fork cannot answer: the truth, which will not check out either
        }
    }

    /** The victim's keys wherever they show (a chat's state, its acceptance): the liar's lie is the same everywhere. */
    private PublicKeys swapped(PublicKeys keys) {
        return keys.toBuilder()
                .setIdentityKey(ByteString.copyFrom(impostor.getPublicKey().serialize()))
                .build();
    }

    private GetKeysResponse keys(GetKeysResponse r) {
        ByteString key = r.getUser().equals(victim)
                ? ByteString.copyFrom(impostor.getPublicKey().serialize())
                : r.getKeys().getIdentityKey();
        return r.toBuilder()
                .setKeys(r.getKeys().toBuilder().setIdentityKey(key))
                .setInclusion(fork.include(r.getUser(), key.toByteArray()))
                .build();
    }

    private PreKeyBundle bundle(PreKeyBundle b) {
        PreKeyBundle.Builder out = b.toBuilder();
        if (b.getUser().equals(victim)) {
            ECKeyPair signed = ECKeyPair.generate();
            KEMKeyPair kyber = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
            byte[] signedKey = signed.getPublicKey().serialize();
            byte[] kyberKey = kyber.getPublicKey().serialize();
            out.setIdentityKey(ByteString.copyFrom(impostor.getPublicKey().serialize()))
                    .setSignedPreKey(SignedPreKey.newBuilder()
                            .setId(1)
                            .setPublicKey(ByteString.copyFrom(signedKey))
                            .setSignature(
                                    ByteString.copyFrom(impostor.getPrivateKey().calculateSignature(signedKey))))
                    .setKyberPreKey(SignedPreKey.newBuilder()
                            .setId(1)
                            .setPublicKey(ByteString.copyFrom(kyberKey))
                            .setSignature(
                                    ByteString.copyFrom(impostor.getPrivateKey().calculateSignature(kyberKey))))
                    .clearOneTimePreKey();
        }
        return out.setInclusion(fork.include(b.getUser(), out.getIdentityKey().toByteArray()))
                .build();
    }

    @Override
    public void close() {
        store.close();
    }
}
