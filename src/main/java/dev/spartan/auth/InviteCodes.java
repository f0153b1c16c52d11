package dev.spartan.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * One-time enrollment codes: 120 random bits written as 24 base32 letters in groups of four
 * ({@code ABCD-EFGH-...}). The server keeps only a hash that also names the user, so a code works for one user only.
 */
final class InviteCodes {
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private InviteCodes() {}

    static String generate() {
        byte[] raw = new byte[15];
        RANDOM.nextBytes(raw);
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : raw) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                if (out.length() % 5 == 4) {
                    out.append('-');
                }
                out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return out.toString();
    }

    /** SHA-256("spartan/invite/v1" 0x00 user 0x00 code), the code upper-cased and without dashes or spaces. */
    static byte[] hash(String user, String code) {
        String normalized = code.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(("spartan/invite/v1\0" + user + "\0" + normalized).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
