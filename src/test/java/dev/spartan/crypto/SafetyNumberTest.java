package dev.spartan.crypto;

import static dev.spartan.crypto.IdentityTest.filled;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SafetyNumberTest {
    private final PublicIdentity alice =
            Identity.fromSeeds(filled(1), filled(2)).publicIdentity();
    private final PublicIdentity bob = Identity.fromSeeds(filled(3), filled(4)).publicIdentity();

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
        PublicIdentity bobNewSigning = new PublicIdentity(filled(9), bob.agreementKey());
        PublicIdentity bobNewAgreement = new PublicIdentity(bob.signingKey(), filled(9));
        assertThat(SafetyNumber.of("alice", alice, "bob", bobNewSigning)).isNotEqualTo(base);
        assertThat(SafetyNumber.of("alice", alice, "bob", bobNewAgreement)).isNotEqualTo(base);
        assertThat(SafetyNumber.of("alice", alice, "carol", bob)).isNotEqualTo(base);
        // Swapping the keys between the two names is a different situation and must look different.
        assertThat(SafetyNumber.of("alice", bob, "bob", alice)).isNotEqualTo(base);
    }
}
