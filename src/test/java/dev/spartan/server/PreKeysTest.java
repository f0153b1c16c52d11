package dev.spartan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.config.ConfigLoader;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PreKeyBundleRequest;
import dev.spartan.proto.PreKeyCountRequest;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.proto.UploadPreKeysRequest;
import dev.spartan.testing.NonCanonicalKeys;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;

/** The prekey RPCs on a whole node: what is checked at upload, what a bundle holds, and the stock's limits. */
class PreKeysTest {
    private InProcessNode node;

    @BeforeEach
    void start() throws Exception {
        node = new InProcessNode(ConfigLoader.load(Path.of("config.yaml")));
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
    }

    private static ByteString bytes(byte[] b) {
        return ByteString.copyFrom(b);
    }

    private static SignedPreKey signed(IdentityKeyPair id, int keyId, byte[] publicKey) {
        return SignedPreKey.newBuilder()
                .setId(keyId)
                .setPublicKey(bytes(publicKey))
                .setSignature(bytes(id.getPrivateKey().calculateSignature(publicKey)))
                .build();
    }

    private static OneTimePreKey oneTime(int id, byte[] publicKey) {
        return OneTimePreKey.newBuilder()
                .setId(id)
                .setPublicKey(bytes(publicKey))
                .build();
    }

    private static byte[] curveKey() {
        return ECKeyPair.generate().getPublicKey().serialize();
    }

    /** A valid first upload for {@code user}, with {@code oneTime} one-time prekeys. */
    private UploadPreKeysRequest.Builder upload(String user, int oneTime) {
        IdentityKeyPair id = node.identity(user).signalIdentity();
        UploadPreKeysRequest.Builder b = UploadPreKeysRequest.newBuilder()
                .setRegistrationId(77)
                .setSignedPreKey(signed(id, 1, curveKey()))
                .setKyberPreKey(signed(
                        id,
                        1,
                        KEMKeyPair.generate(KEMKeyType.KYBER_1024)
                                .getPublicKey()
                                .serialize()));
        for (int i = 1; i <= oneTime; i++) {
            b.addOneTimePreKeys(oneTime(i, curveKey()));
        }
        return b;
    }

    private static void assertRefused(Runnable call, Status.Code code, String words) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(words);
        });
    }

    @Test
    void aBundleOfAnOfflineUserUsesUpOneOneTimePreKeyAndStartsASession() throws Exception {
        InProcessNode.User bob = node.login("bob");
        assertThat(bob.stub().uploadPreKeys(upload("bob", 2).build()).getOneTimeCount())
                .isEqualTo(2);
        InProcessNode.User alice = node.login("alice");
        PreKeyBundleRequest forBob =
                PreKeyBundleRequest.newBuilder().setUser("bob").build();
        PreKeyBundle first = alice.stub().fetchPreKeyBundle(forBob);
        assertThat(first.getIdentityKey().toByteArray())
                .isEqualTo(node.identity("bob").signalIdentity().getPublicKey().serialize());
        assertThat(first.getRegistrationId()).isEqualTo(77);
        assertThat(first.getDeviceId()).isEqualTo(1);
        assertThat(first.getOneTimePreKey().getId()).isEqualTo(1);
        assertThat(alice.stub().fetchPreKeyBundle(forBob).getOneTimePreKey().getId())
                .isEqualTo(2);
        assertThat(bob.stub()
                        .preKeyCount(PreKeyCountRequest.getDefaultInstance())
                        .getOneTimeCount())
                .isZero();
        // Exhausted: the bundle still has the signed and Kyber prekeys, so a session can start without one.
        PreKeyBundle last = alice.stub().fetchPreKeyBundle(forBob);
        assertThat(last.hasOneTimePreKey()).isFalse();
        assertThat(last.hasSignedPreKey()).isTrue();
        // The bundle is one libsignal takes as it is.
        org.signal.libsignal.protocol.state.PreKeyBundle parsed = new org.signal.libsignal.protocol.state.PreKeyBundle(
                last.getRegistrationId(),
                last.getDeviceId(),
                org.signal.libsignal.protocol.state.PreKeyBundle.NULL_PRE_KEY_ID,
                null,
                last.getSignedPreKey().getId(),
                new org.signal.libsignal.protocol.ecc.ECPublicKey(
                        last.getSignedPreKey().getPublicKey().toByteArray()),
                last.getSignedPreKey().getSignature().toByteArray(),
                new org.signal.libsignal.protocol.IdentityKey(
                        last.getIdentityKey().toByteArray()),
                last.getKyberPreKey().getId(),
                new org.signal.libsignal.protocol.kem.KEMPublicKey(
                        last.getKyberPreKey().getPublicKey().toByteArray()),
                last.getKyberPreKey().getSignature().toByteArray());
        assertThat(parsed.getRegistrationId()).isEqualTo(77);
        // Topped up again.
        assertThat(bob.stub()
                        .uploadPreKeys(UploadPreKeysRequest.newBuilder()
                                .setRegistrationId(77)
                                .addOneTimePreKeys(oneTime(3, curveKey()))
                                .build())
                        .getOneTimeCount())
                .isEqualTo(1);
        assertThat(alice.stub().fetchPreKeyBundle(forBob).getOneTimePreKey().getId())
                .isEqualTo(3);
    }

    @Test
    void theServerKeepsIdsAsGivenAndServesOnlyTheLatestSignedAndKyberPrekeys() {
        InProcessNode.User bob = node.login("bob");
        // Ids are the owner's business: a repeated one-time id and a replacement under the same id are stored.
        bob.stub()
                .uploadPreKeys(upload("bob", 0)
                        .addOneTimePreKeys(oneTime(7, curveKey()))
                        .addOneTimePreKeys(oneTime(7, curveKey()))
                        .build());
        UploadPreKeysRequest sameId = upload("bob", 0).build();
        assertThat(bob.stub().uploadPreKeys(sameId).getOneTimeCount()).isEqualTo(2);
        UploadPreKeysRequest newId = upload("bob", 0)
                .setSignedPreKey(signed(node.identity("bob").signalIdentity(), 0xFFFFFF, curveKey()))
                .build();
        bob.stub().uploadPreKeys(newId);
        InProcessNode.User alice = node.login("alice");
        PreKeyBundle bundle = alice.stub()
                .fetchPreKeyBundle(
                        PreKeyBundleRequest.newBuilder().setUser("bob").build());
        assertThat(bundle.getSignedPreKey()).isEqualTo(newId.getSignedPreKey());
        assertThat(bundle.getKyberPreKey()).isEqualTo(newId.getKyberPreKey());
        assertThat(bundle.getOneTimePreKey().getId()).isEqualTo(7);
    }

    @Test
    void aUserWhoNeverUploadedHasNoBundle() {
        InProcessNode.User alice = node.login("alice");
        assertRefused(
                () -> alice.stub()
                        .fetchPreKeyBundle(
                                PreKeyBundleRequest.newBuilder().setUser("bob").build()),
                Status.Code.NOT_FOUND,
                "bob has not enrolled with this server yet, so has no prekeys");
        assertRefused(
                () -> alice.stub()
                        .fetchPreKeyBundle(PreKeyBundleRequest.newBuilder()
                                .setUser("mallory")
                                .build()),
                Status.Code.NOT_FOUND,
                "there is no user 'mallory'");
    }

    @Test
    void zeroAndLowOrderKeysAreRefusedAndNothingIsStored() {
        InProcessNode.User bob = node.login("bob");
        byte[] zero = new byte[33];
        zero[0] = 5;
        byte[] one = zero.clone();
        one[1] = 1;
        assertRefused(
                () -> bob.stub()
                        .uploadPreKeys(upload("bob", 1)
                                .addOneTimePreKeys(oneTime(9, zero))
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "one-time prekey 9 is a low-order point");
        assertRefused(
                () -> bob.stub()
                        .uploadPreKeys(upload("bob", 0)
                                .setSignedPreKey(signed(node.identity("bob").signalIdentity(), 1, one))
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "signed prekey 1 is a low-order point");
        assertThat(bob.stub()
                        .preKeyCount(PreKeyCountRequest.getDefaultInstance())
                        .getOneTimeCount())
                .isZero();
        assertThat(node.store().store().signedPreKeys("bob")).isEmpty();
    }

    @Test
    void nonCanonicalKeysAreRefusedAsSignedAndOneTimePreKeys() {
        InProcessNode.User bob = node.login("bob");
        for (byte[] key : java.util.List.of(
                NonCanonicalKeys.withBit255(curveKey()),
                NonCanonicalKeys.basePointPlusP(),
                NonCanonicalKeys.reviewed().get(4))) {
            assertRefused(
                    () -> bob.stub()
                            .uploadPreKeys(upload("bob", 1)
                                    .addOneTimePreKeys(oneTime(9, key))
                                    .build()),
                    Status.Code.INVALID_ARGUMENT,
                    "one-time prekey 9 is not a canonical Curve25519 key");
            assertRefused(
                    () -> bob.stub()
                            .uploadPreKeys(upload("bob", 0)
                                    .setSignedPreKey(signed(node.identity("bob").signalIdentity(), 1, key))
                                    .build()),
                    Status.Code.INVALID_ARGUMENT,
                    "signed prekey 1 is not a canonical Curve25519 key");
        }
        assertThat(node.store().store().signedPreKeys("bob")).isEmpty();
    }

    @Test
    void prekeysMustBeSignedByThePinnedIdentityKey() {
        InProcessNode.User bob = node.login("bob");
        IdentityKeyPair other = Identity.generate().signalIdentity();
        assertRefused(
                () -> bob.stub()
                        .uploadPreKeys(upload("bob", 0)
                                .setSignedPreKey(signed(other, 1, curveKey()))
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "signed prekey 1's signature does not verify with the identity key");
        assertRefused(
                () -> bob.stub()
                        .uploadPreKeys(upload("bob", 0)
                                .setKyberPreKey(signed(
                                        other,
                                        1,
                                        KEMKeyPair.generate(KEMKeyType.KYBER_1024)
                                                .getPublicKey()
                                                .serialize()))
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "Kyber prekey 1's signature does not verify with the identity key");
        assertRefused(
                () -> bob.stub()
                        .uploadPreKeys(UploadPreKeysRequest.newBuilder()
                                .setRegistrationId(77)
                                .addOneTimePreKeys(oneTime(1, curveKey()))
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "the first upload must carry the signed and the Kyber prekey");
    }

    @Test
    void theStockIsCappedPerUploadAndPerUser() {
        InProcessNode.User bob = node.login("bob");
        assertRefused(
                () -> bob.stub().uploadPreKeys(upload("bob", 101).build()),
                Status.Code.INVALID_ARGUMENT,
                "at most 100 one-time prekeys an upload, not 101");
        assertThat(bob.stub().uploadPreKeys(upload("bob", 100).build()).getOneTimeCount())
                .isEqualTo(100);
        assertThat(bob.stub().uploadPreKeys(upload("bob", 100).build()).getOneTimeCount())
                .isEqualTo(200);
        assertRefused(
                () -> bob.stub().uploadPreKeys(upload("bob", 1).build()),
                Status.Code.RESOURCE_EXHAUSTED,
                "the server holds at most 200 one-time prekeys per user and has 200 of yours");
    }
}
