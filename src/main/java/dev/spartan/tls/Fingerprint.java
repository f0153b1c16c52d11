package dev.spartan.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * The SHA-256 of a certificate's DER encoding: what the server prints at start, what a client pins, and what a login
 * proof is bound to. Shown as upper-case hex pairs joined by colons, the form {@code openssl x509 -fingerprint
 * -sha256} prints, so an operator can compare the two by eye.
 */
public final class Fingerprint {
    private static final HexFormat HEX = HexFormat.ofDelimiter(":").withUpperCase();
    private final byte[] sha256;

    private Fingerprint(byte[] sha256) {
        this.sha256 = sha256;
    }

    public static Fingerprint of(Certificate certificate) {
        try {
            return new Fingerprint(sha256(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    /** Reads the colon-separated hex form; case and colons are optional. */
    public static Optional<Fingerprint> parse(String text) {
        String hex = text.replace(":", "").strip().toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            return Optional.empty();
        }
        return Optional.of(new Fingerprint(HexFormat.of().parseHex(hex)));
    }

    /** The 32 bytes. */
    public byte[] bytes() {
        return sha256.clone();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fingerprint f && MessageDigest.isEqual(sha256, f.sha256);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return HEX.formatHex(sha256);
    }
}
