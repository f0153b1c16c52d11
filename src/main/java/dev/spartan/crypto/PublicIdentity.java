package dev.spartan.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A user's public keys as they travel on the wire: raw 32-byte Ed25519 (RFC 8032) and X25519 (RFC 7748) keys.
 * Arrays are copied in and out so a record instance can be shared and used as a map value safely.
 */
// equals, hashCode and the accessors below compare and copy the arrays' contents
@SuppressWarnings("ArrayRecordComponent")
public record PublicIdentity(byte[] signingKey, byte[] agreementKey) {

    public PublicIdentity {
        signingKey = KeyCodec.checkLength(signingKey, "Ed25519 signing key").clone();
        agreementKey =
                KeyCodec.checkLength(agreementKey, "X25519 agreement key").clone();
    }

    @Override
    public byte[] signingKey() {
        return signingKey.clone();
    }

    @Override
    public byte[] agreementKey() {
        return agreementKey.clone();
    }

    /** Short, human-comparable: "a1b2 c3d4 e5f6 0718". Not a substitute for the safety number. */
    public String fingerprint() {
        byte[] digest = sha256(KeyCodec.concat(signingKey, agreementKey));
        String hex = HexFormat.of().formatHex(digest, 0, 8);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 4) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(hex, i, i + 4);
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicIdentity other
                && MessageDigest.isEqual(signingKey, other.signingKey)
                && MessageDigest.isEqual(agreementKey, other.agreementKey);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(signingKey) + Arrays.hashCode(agreementKey);
    }

    @Override
    public String toString() {
        return "PublicIdentity[" + fingerprint() + "]";
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
