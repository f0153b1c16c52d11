package dev.spartan.crypto;

import java.util.Objects;

/** The Ed25519 proof of key possession answering a login challenge (proto {@code LoginRequest.signature}). */
public final class LoginProof {
    private LoginProof() {}

    /** "spartan/login/v1" 0x00 user 0x00 nonce. Users containing 0x00 are refused: the encoding would be ambiguous. */
    public static byte[] challengeBytes(String user, byte[] nonce) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(nonce, "nonce");
        return KeyCodec.concat(Labels.join(Labels.LOGIN, user), new byte[] {0}, nonce);
    }

    public static byte[] sign(Identity id, String user, byte[] nonce) {
        Objects.requireNonNull(id, "id");
        return id.sign(challengeBytes(user, nonce));
    }

    /** Never throws: malformed input of any kind is an invalid proof. */
    public static boolean verify(byte[] signingKeyRaw, String user, byte[] nonce, byte[] signature) {
        if (user == null || nonce == null) {
            return false;
        }
        byte[] challenge;
        try {
            challenge = challengeBytes(user, nonce);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return Identity.verify(signingKeyRaw, challenge, signature);
    }
}
