package dev.spartan.crypto;

import java.util.Objects;

/**
 * The XEdDSA proof, by the libsignal identity key, of key possession answering a login challenge (proto {@code LoginRequest.signature}). It also
 * covers the channel binding: the SHA-256 of the server certificate the client saw (32 zero bytes without TLS), so a
 * proof made for one TLS endpoint is worthless at another.
 */
public final class LoginProof {
    /** Length of the channel binding: a SHA-256. */
    public static final int BINDING_BYTES = 32;

    private LoginProof() {}

    /**
     * "spartan/login/v2" 0x00 user 0x00 nonce binding. The nonce length is not fixed, so the binding, whose length
     * is, comes last. Users containing 0x00 are refused: the encoding would be ambiguous.
     */
    public static byte[] challengeBytes(String user, byte[] nonce, byte[] binding) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(binding, "binding");
        if (binding.length != BINDING_BYTES) {
            throw new IllegalArgumentException("channel binding must be " + BINDING_BYTES + " bytes");
        }
        return KeyCodec.concat(Labels.join(Labels.LOGIN, user), new byte[] {0}, nonce, binding);
    }

    public static byte[] sign(Identity id, String user, byte[] nonce, byte[] binding) {
        Objects.requireNonNull(id, "id");
        return id.signAsSignalIdentity(challengeBytes(user, nonce, binding));
    }

    /** Never throws: malformed input of any kind is an invalid proof. */
    public static boolean verify(byte[] identityKey, String user, byte[] nonce, byte[] binding, byte[] signature) {
        if (identityKey == null || user == null || nonce == null || binding == null || signature == null) {
            return false;
        }
        byte[] challenge;
        try {
            challenge = challengeBytes(user, nonce, binding);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            return SignalKeys.identityKey(identityKey, "identity key")
                    .getPublicKey()
                    .verifySignature(challenge, signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
