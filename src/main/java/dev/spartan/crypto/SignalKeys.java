package dev.spartan.crypto;

import java.util.Objects;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMPublicKey;

/**
 * Public keys of the Signal layer checked where they enter: at login, at prekey upload and before a client starts a
 * session. Every method throws {@link IllegalArgumentException} with words that name the key and the fault.
 */
public final class SignalKeys {
    /** Length of {@code IdentityKey.serialize()} and {@code ECPublicKey.serialize()}: 0x05 then 32 bytes. */
    public static final int CURVE_KEY_BYTES = 33;

    /** Length of an XEdDSA signature. */
    public static final int SIGNATURE_BYTES = 64;

    // Any scalar finds low-order points: X25519 clamps it to a multiple of the cofactor, so their product is zero.
    private static final ECPrivateKey PROBE = ECKeyPair.generate().getPrivateKey();

    private SignalKeys() {}

    public static IdentityKey identityKey(byte[] serialized, String what) {
        return new IdentityKey(curveKey(serialized, what));
    }

    /**
     * A Curve25519 public key that can take part in an agreement. libsignal parses an all-zero or other low-order
     * point without complaint, but the secret it then agrees on is zero, known to anyone: such keys are refused here.
     */
    public static ECPublicKey curveKey(byte[] serialized, String what) {
        Objects.requireNonNull(what, "what");
        if (serialized == null || serialized.length != CURVE_KEY_BYTES) {
            throw new IllegalArgumentException(what + " must be " + CURVE_KEY_BYTES + " bytes (0x05 and a Curve25519"
                    + " key), not " + (serialized == null ? 0 : serialized.length));
        }
        ECPublicKey key;
        try {
            key = new ECPublicKey(serialized);
        } catch (InvalidKeyException | RuntimeException e) {
            throw new IllegalArgumentException(what + " is not a Curve25519 public key: " + e.getMessage(), e);
        }
        byte[] secret = PROBE.calculateAgreement(key);
        int acc = 0;
        for (byte b : secret) {
            acc |= b;
        }
        if (acc == 0) {
            throw new IllegalArgumentException(what + " is a low-order point (such as all zeros): refused");
        }
        return key;
    }

    /** A raw 32-byte X25519 key of the static message layer, held to the same rule as {@link #curveKey}. */
    public static void requireUsableX25519(byte[] raw32, String what) {
        if (raw32 == null || raw32.length != 32) {
            throw new IllegalArgumentException(what + " must be 32 bytes");
        }
        byte[] serialized = new byte[CURVE_KEY_BYTES];
        serialized[0] = 5;
        System.arraycopy(raw32, 0, serialized, 1, 32);
        curveKey(serialized, what);
    }

    public static KEMPublicKey kyberKey(byte[] serialized, String what) {
        Objects.requireNonNull(what, "what");
        if (serialized == null || serialized.length == 0) {
            throw new IllegalArgumentException(what + " is missing");
        }
        try {
            return new KEMPublicKey(serialized);
        } catch (InvalidKeyException | RuntimeException e) {
            throw new IllegalArgumentException(what + " is not a Kyber public key: " + e.getMessage(), e);
        }
    }

    /** Checks that {@code identity} signed {@code publicKey} (the serialized key, as libsignal signs it). */
    public static void requireSigned(IdentityKey identity, byte[] publicKey, byte[] signature, String what) {
        if (signature == null || signature.length != SIGNATURE_BYTES) {
            throw new IllegalArgumentException(what + "'s signature must be " + SIGNATURE_BYTES + " bytes");
        }
        if (!identity.getPublicKey().verifySignature(publicKey, signature)) {
            throw new IllegalArgumentException(what + "'s signature does not verify with the identity key");
        }
    }
}
