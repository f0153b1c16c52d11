package dev.spartan.crypto;

import static dev.spartan.crypto.IdentityTest.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class LoginProofTest {
    private final Identity alice = Identity.generate();
    private final byte[] aliceKey = alice.signalIdentity().getPublicKey().serialize();
    private final byte[] nonce = filled(7);
    private final byte[] binding = filled(9);

    @Test
    void challengeLayout() {
        byte[] nonce = {(byte) 0xaa, (byte) 0xbb};
        assertThat(HexFormat.of().formatHex(LoginProof.challengeBytes("bob", nonce, binding)))
                .isEqualTo(HexFormat.of().formatHex("spartan/login/v2".getBytes(StandardCharsets.UTF_8)) + "00"
                        + "626f62" + "00" + "aabb" + "09".repeat(32));
    }

    @Test
    void validProofVerifies() {
        assertThat(LoginProof.verify(
                        aliceKey, "alice", nonce, binding, LoginProof.sign(alice, "alice", nonce, binding)))
                .isTrue();
    }

    @Test
    void proofIsBoundToUserNonceChannelAndKey() {
        byte[] sig = LoginProof.sign(alice, "alice", nonce, binding);
        // The same proof presented over another TLS endpoint (another certificate) does not verify.
        assertThat(LoginProof.verify(aliceKey, "alice", nonce, filled(10), sig)).isFalse();
        assertThat(LoginProof.verify(aliceKey, "bob", nonce, binding, sig)).isFalse();
        assertThat(LoginProof.verify(aliceKey, "alice", filled(8), binding, sig))
                .isFalse();
        assertThat(LoginProof.verify(
                        Identity.generate().signalIdentity().getPublicKey().serialize(), "alice", nonce, binding, sig))
                .isFalse();
        // A plain signature over the nonce is not a login proof: the domain label must be there.
        assertThat(LoginProof.verify(aliceKey, "alice", nonce, binding, alice.signAsSignalIdentity(nonce)))
                .isFalse();
        // An Ed25519 signature by the static signing key is not one by the Signal identity key.
        assertThat(LoginProof.verify(
                        aliceKey,
                        "alice",
                        nonce,
                        binding,
                        alice.sign(LoginProof.challengeBytes("alice", nonce, binding))))
                .isFalse();
    }

    @Test
    void garbageNeverThrows() {
        assertThat(LoginProof.verify(new byte[1], "alice", nonce, binding, new byte[64]))
                .isFalse();
        assertThat(LoginProof.verify(aliceKey, "al\0ice", nonce, binding, new byte[64]))
                .isFalse();
        assertThat(LoginProof.verify(aliceKey, null, nonce, binding, new byte[64]))
                .isFalse();
        assertThat(LoginProof.verify(aliceKey, "alice", nonce, binding, null)).isFalse();
        assertThat(LoginProof.verify(aliceKey, "alice", nonce, new byte[31], new byte[64]))
                .isFalse();
        assertThat(LoginProof.verify(aliceKey, "alice", nonce, null, new byte[64]))
                .isFalse();
    }

    @Test
    void aLowOrderIdentityKeyNeverVerifies() {
        byte[] zero = new byte[33];
        zero[0] = 5;
        assertThat(LoginProof.verify(zero, "alice", nonce, binding, new byte[64]))
                .isFalse();
    }

    @Test
    void nulInUserIsRefusedWhenSigning() {
        assertThatThrownBy(() -> LoginProof.sign(alice, "a\0b", nonce, binding))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
