package dev.spartan.crypto;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF (RFC 5869) over HMAC-SHA-256. Hand-written because the JDK has no public HKDF API in Java 17. */
public final class Hkdf {
    static final int HASH_LEN = 32;
    private static final String HMAC = "HmacSHA256";

    private Hkdf() {}

    public static byte[] extract(byte[] salt, byte[] ikm) {
        Objects.requireNonNull(ikm, "ikm");
        // RFC 5869 2.2: a missing salt means HashLen zeros; also SecretKeySpec refuses an empty key.
        byte[] key = salt == null || salt.length == 0 ? new byte[HASH_LEN] : salt;
        return hmac(key).doFinal(ikm);
    }

    public static byte[] expand(byte[] prk, byte[] info, int length) {
        Objects.requireNonNull(prk, "prk");
        if (prk.length < HASH_LEN) {
            throw new IllegalArgumentException("prk must be at least " + HASH_LEN + " bytes, got " + prk.length);
        }
        if (length < 0 || length > 255 * HASH_LEN) {
            throw new IllegalArgumentException("length must be in [0, " + 255 * HASH_LEN + "], got " + length);
        }
        byte[] safeInfo = info == null ? new byte[0] : info;
        Mac mac = hmac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        for (int i = 1, pos = 0; pos < length; i++) {
            mac.update(t);
            mac.update(safeInfo);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - pos);
            System.arraycopy(t, 0, out, pos, n);
            pos += n;
        }
        return out;
    }

    public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        return expand(extract(salt, ikm), info, length);
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
