package dev.spartan.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.testing.NonCanonicalKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.state.PreKeyRecord;

class SignalStoreTest {
    @TempDir
    Path dir;

    private final Clock clock = Clock.systemUTC();

    @Test
    void theIdentityAndThePrekeysSurviveARestart() throws Exception {
        Identity id = Identity.loadOrCreate(dir);
        SignalStore first = SignalStore.open(dir, id, clock);
        List<PreKeyRecord> made = first.generateOneTimePreKeys(5);
        first.removePreKey(made.get(0).getId());

        Identity again = Identity.loadOrCreate(dir);
        assertThat(again.signalIdentity().serialize())
                .isEqualTo(id.signalIdentity().serialize());
        assertThat(again.registrationId()).isEqualTo(id.registrationId());
        SignalStore reopened = SignalStore.open(dir, again, clock);
        assertThat(reopened.currentSignedPreKey().serialize())
                .isEqualTo(first.currentSignedPreKey().serialize());
        assertThat(reopened.currentKyberPreKey().serialize())
                .isEqualTo(first.currentKyberPreKey().serialize());
        assertThat(reopened.oneTimePreKeysHeld()).isEqualTo(4);
        assertThat(reopened.containsPreKey(made.get(0).getId())).isFalse();
        assertThat(reopened.loadPreKey(made.get(1).getId()).serialize())
                .isEqualTo(made.get(1).serialize());
        assertThatThrownBy(() -> reopened.loadPreKey(made.get(0).getId())).isInstanceOf(InvalidKeyIdException.class);
    }

    @Test
    void oneTimePrekeyIdsAreNeverReusedAcrossRestarts() throws Exception {
        Identity id = Identity.loadOrCreate(dir);
        Set<Integer> ids = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            SignalStore store = SignalStore.open(dir, id, clock);
            for (PreKeyRecord r : store.generateOneTimePreKeys(10)) {
                assertThat(ids.add(r.getId())).isTrue();
                store.removePreKey(r.getId());
            }
        }
        assertThat(ids).hasSize(30);
    }

    @Test
    void prekeysAreSignedByTheIdentityKey() throws Exception {
        Identity id = Identity.loadOrCreate(dir);
        SignalStore store = SignalStore.open(dir, id, clock);
        byte[] signed = store.currentSignedPreKey().getKeyPair().getPublicKey().serialize();
        byte[] kyber = store.currentKyberPreKey().getKeyPair().getPublicKey().serialize();
        SignalKeys.requireSigned(
                id.signalIdentity().getPublicKey(),
                signed,
                store.currentSignedPreKey().getSignature(),
                "signed");
        SignalKeys.requireSigned(
                id.signalIdentity().getPublicKey(),
                kyber,
                store.currentKyberPreKey().getSignature(),
                "kyber");
        int before = store.currentSignedPreKey().getId();
        store.rotateSignedPreKeys();
        assertThat(store.currentSignedPreKey().getId()).isNotEqualTo(before);
        // The one before stays, for bundles fetched before the rotation.
        assertThat(store.containsSignedPreKey(before)).isTrue();
        assertThat(store.loadSignedPreKeys()).hasSize(2);
    }

    @Test
    void anOldKeyDirectoryGetsASignalIdentityNextToItsKeys() throws Exception {
        Identity.loadOrCreate(dir);
        Files.delete(dir.resolve(Identity.SIGNAL_IDENTITY_FILE));
        byte[] signing = Files.readAllBytes(dir.resolve(Identity.SIGNING_KEY_FILE));
        Identity upgraded = Identity.loadOrCreate(dir);
        assertThat(Files.exists(dir.resolve(Identity.SIGNAL_IDENTITY_FILE))).isTrue();
        assertThat(Files.readAllBytes(dir.resolve(Identity.SIGNING_KEY_FILE))).isEqualTo(signing);
        assertThat(Identity.loadOrCreate(dir).signalIdentity().serialize())
                .isEqualTo(upgraded.signalIdentity().serialize());
    }

    @Test
    void lowOrderKeysAreRefused() {
        byte[] zero = new byte[33];
        zero[0] = 5;
        assertThatThrownBy(() -> SignalKeys.curveKey(zero, "k"))
                .hasMessage("k is a low-order point (such as all zeros): refused");
        // p - 1 and p + 1 (little endian) are low-order points too.
        byte[] pMinus1 = new byte[32];
        java.util.Arrays.fill(pMinus1, (byte) 0xff);
        pMinus1[0] = (byte) 0xec;
        pMinus1[31] = 0x7f;
        assertThatThrownBy(() -> SignalKeys.requireUsableX25519(pMinus1, "k")).hasMessageContaining("low-order");
        byte[] one = new byte[32];
        one[0] = 1;
        assertThatThrownBy(() -> SignalKeys.requireUsableX25519(one, "k")).hasMessageContaining("low-order");
        assertThatThrownBy(() -> SignalKeys.curveKey(new byte[32], "k")).hasMessageContaining("must be 33 bytes");
        SignalKeys.curveKey(
                org.signal.libsignal.protocol.ecc.ECKeyPair.generate()
                        .getPublicKey()
                        .serialize(),
                "k");
    }

    @Test
    void nonCanonicalEncodingsAreRefusedNamingTheKey() {
        byte[] real = org.signal.libsignal.protocol.ecc.ECKeyPair.generate()
                .getPublicKey()
                .serialize();
        assertThatThrownBy(() -> SignalKeys.curveKey(NonCanonicalKeys.withBit255(real), "signed prekey 1"))
                .hasMessage("signed prekey 1 is not a canonical Curve25519 key (bit 255 is set): refused");
        assertThatThrownBy(() -> SignalKeys.curveKey(NonCanonicalKeys.basePointPlusP(), "identity_key"))
                .hasMessage("identity_key is not a canonical Curve25519 key (its u-coordinate is not below"
                        + " 2^255 - 19): refused");
        for (byte[] key : NonCanonicalKeys.reviewed()) {
            assertThatThrownBy(() -> SignalKeys.curveKey(key, "k")).hasMessageContaining("not a canonical");
            assertThatThrownBy(() -> SignalKeys.requireUsableX25519(NonCanonicalKeys.raw(key), "agreement_key"))
                    .hasMessageStartingWith("agreement_key is not a canonical");
        }
        // p - 1 and 9 are the largest and a common canonical value: refused only for being low-order, or not at all.
        assertThatThrownBy(() -> SignalKeys.curveKey(
                        NonCanonicalKeys.encode(
                                java.math.BigInteger.TWO.pow(255).subtract(java.math.BigInteger.valueOf(20))),
                        "k"))
                .hasMessageContaining("low-order");
        SignalKeys.curveKey(NonCanonicalKeys.encode(java.math.BigInteger.valueOf(9)), "k");
    }
}
