package dev.spartan.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKey;

class SafetyNumberTest {
    private final IdentityKey alice = PeerKeyStoreTest.key(5);
    private final IdentityKey bob = PeerKeyStoreTest.key(6);

    @Test
    void bothSidesComputeTheSameNumber() {
        assertThat(SafetyNumber.of("alice", alice, "bob", bob)).isEqualTo(SafetyNumber.of("bob", bob, "alice", alice));
    }

    @Test
    void isTwelveGroupsOfFiveDigits() {
        assertThat(SafetyNumber.of("alice", alice, "bob", bob)).matches("\\d{5}( \\d{5}){11}");
    }

    @Test
    void changesWhenAnyKeyOrNameChanges() {
        String base = SafetyNumber.of("alice", alice, "bob", bob);
        assertThat(SafetyNumber.of("alice", alice, "bob", PeerKeyStoreTest.key(9)))
                .isNotEqualTo(base);
        assertThat(SafetyNumber.of("alice", alice, "carol", bob)).isNotEqualTo(base);
        // Swapping the keys between the two names is a different situation and must look different.
        assertThat(SafetyNumber.of("alice", bob, "bob", alice)).isNotEqualTo(base);
    }
}
