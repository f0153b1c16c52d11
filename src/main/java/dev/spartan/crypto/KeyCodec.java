package dev.spartan.crypto;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Raw 32-byte keys (the wire format) to and from JCA keys. Ed25519 and X25519 DER encodings are a fixed prefix
 * followed by the raw key, so a byte prefix is all the ASN.1 we need.
 */
final class KeyCodec {
    static final int KEY_LEN = 32;

    private static final byte[] ED25519_X509 = hex("302a300506032b6570032100");
    private static final byte[] X25519_X509 = hex("302a300506032b656e032100");
    private static final byte[] ED25519_PKCS8 = hex("302e020100300506032b657004220420");
    private static final byte[] X25519_PKCS8 = hex("302e020100300506032b656e04220420");

    private KeyCodec() {}

    static PublicKey ed25519Public(byte[] raw) {
        return publicKey("Ed25519", ED25519_X509, raw);
    }

    static PublicKey x25519Public(byte[] raw) {
        return publicKey("X25519", X25519_X509, raw);
    }

    static byte[] rawEd25519Public(PublicKey key) {
        return strip(ED25519_X509, key.getEncoded(), "Ed25519 public key");
    }

    static byte[] rawX25519Public(PublicKey key) {
        return strip(X25519_X509, key.getEncoded(), "X25519 public key");
    }

    static byte[] ed25519Pkcs8(byte[] seed) {
        return concat(ED25519_PKCS8, checkLength(seed, "Ed25519 seed"));
    }

    static byte[] x25519Pkcs8(byte[] scalar) {
        return concat(X25519_PKCS8, checkLength(scalar, "X25519 private key"));
    }

    /** Throws IllegalArgumentException if {@code pkcs8} is not exactly our fixed Ed25519 encoding. */
    static byte[] ed25519SeedFromPkcs8(byte[] pkcs8) {
        return strip(ED25519_PKCS8, pkcs8, "Ed25519 PKCS#8 private key");
    }

    static byte[] x25519ScalarFromPkcs8(byte[] pkcs8) {
        return strip(X25519_PKCS8, pkcs8, "X25519 PKCS#8 private key");
    }

    static PrivateKey ed25519Private(byte[] seed) {
        return privateKey("Ed25519", ed25519Pkcs8(seed));
    }

    static PrivateKey x25519Private(byte[] scalar) {
        return privateKey("X25519", x25519Pkcs8(scalar));
    }

    static byte[] checkLength(byte[] raw, String what) {
        if (raw == null || raw.length != KEY_LEN) {
            throw new IllegalArgumentException(
                    what + " must be " + KEY_LEN + " bytes, got " + (raw == null ? "null" : raw.length));
        }
        return raw;
    }

    private static PublicKey publicKey(String algorithm, byte[] prefix, byte[] raw) {
        byte[] der = concat(prefix, checkLength(raw, algorithm + " public key"));
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("invalid " + algorithm + " public key", e);
        }
    }

    private static PrivateKey privateKey(String algorithm, byte[] der) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("invalid " + algorithm + " private key", e);
        }
    }

    private static byte[] strip(byte[] prefix, byte[] der, String what) {
        if (der == null
                || der.length != prefix.length + KEY_LEN
                || !Arrays.equals(der, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new IllegalArgumentException("not a " + what + " in the expected DER encoding");
        }
        return Arrays.copyOfRange(der, prefix.length, der.length);
    }

    static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        byte[] out = new byte[len];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    private static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }
}
