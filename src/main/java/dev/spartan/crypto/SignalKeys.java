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
        requireCanonical(serialized, what);
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

    /**
     * The 32 bytes after 0x05 are a little-endian u-coordinate that must be below p = 2^255 - 19 (bit 255 clear
     * included). libsignal reduces larger values silently, so one point would have several encodings: a key that
     * is not the one a peer pinned could then verify, or one the server accepted could fail to verify later.
     */
    private static void requireCanonical(byte[] serialized, String what) {
        if ((serialized[CURVE_KEY_BYTES - 1] & 0x80) != 0) {
            throw new IllegalArgumentException(what + " is not a canonical Curve25519 key (bit 255 is set): refused");
        }
        // Compare with p from the most significant byte down: p is 0x7f, thirty 0xff, then 0xed.
        for (int i = CURVE_KEY_BYTES - 1; i >= 1; i--) {
            int b = serialized[i] & 0xff;
            int pb = i == CURVE_KEY_BYTES - 1 ? 0x7f : i == 1 ? 0xed : 0xff;
            if (b != pb) {
                if (b < pb) {
                    return;
                }
                break;
            }
        }
        throw new IllegalArgumentException(
                what + " is not a canonical Curve25519 key (its u-coordinate is not below 2^255 - 19): refused");
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
