package dev.spartan.crypto;

import static dev.spartan.crypto.IdentityTest.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class LoginProofTest {
    private final Identity alice = Identity.generate();
    private final byte[] aliceKey = alice.publicIdentity().signingKey();
    private final byte[] nonce = filled(7);

    @Test
    void challengeLayout() {
        byte[] nonce = {(byte) 0xaa, (byte) 0xbb};
        assertThat(HexFormat.of().formatHex(LoginProof.challengeBytes("bob", nonce)))
                .isEqualTo(HexFormat.of().formatHex("spartan/login/v1".getBytes(StandardCharsets.UTF_8)) + "00"
                        + "626f62" + "00" + "aabb");
    }

    @Test
    void validProofVerifies() {
        assertThat(LoginProof.verify(aliceKey, "alice", nonce, LoginProof.sign(alice, "alice", nonce)))
                .isTrue();
    }

    @Test
    void proofIsBoundToUserNonceAndKey() {
        byte[] sig = LoginProof.sign(alice, "alice", nonce);
        assertThat(LoginProof.verify(aliceKey, "bob", nonce, sig)).isFalse();
        assertThat(LoginProof.verify(aliceKey, "alice", filled(8), sig)).isFalse();
        assertThat(LoginProof.verify(Identity.generate().publicIdentity().signingKey(), "alice", nonce, sig))
                .isFalse();
        // A plain signature over the nonce is not a login proof: the domain label must be there.
        assertThat(LoginProof.verify(aliceKey, "alice", nonce, alice.sign(nonce)))
                .isFalse();
    }

    @Test
    void garbageNeverThrows() {
        assertThat(LoginProof.verify(new byte[1], "alice", nonce, new byte[64])).isFalse();
        assertThat(LoginProof.verify(aliceKey, "al\0ice", nonce, new byte[64])).isFalse();
        assertThat(LoginProof.verify(aliceKey, null, nonce, new byte[64])).isFalse();
        assertThat(LoginProof.verify(aliceKey, "alice", nonce, null)).isFalse();
    }

    @Test
    void nulInUserIsRefusedWhenSigning() {
        assertThatThrownBy(() -> LoginProof.sign(alice, "a\0b", nonce)).isInstanceOf(IllegalArgumentException.class);
    }
}
