package dev.spartan.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.fingerprint.NumericFingerprintGenerator;

/**
 * The 60-digit number two users compare out of band (read aloud, in person) to rule out a server that hands out its
 * own identity keys: libsignal's numeric fingerprint of both identity keys, each with the user's name as its stable
 * identifier, so both sides see the same digits.
 */
public final class SafetyNumber {
    /** Signal's own iteration count and fingerprint version: the same digits as any libsignal client computes. */
    static final int ITERATIONS = 5200;

    static final int VERSION = 2;

    private SafetyNumber() {}

    public static String of(String userA, IdentityKey a, String userB, IdentityKey b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        String digits = new NumericFingerprintGenerator(ITERATIONS)
                .createFor(VERSION, utf8(userA), a, utf8(userB), b)
                .getDisplayableFingerprint()
                .getDisplayText();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < digits.length(); i += 5) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(digits, i, Math.min(digits.length(), i + 5));
        }
        return out.toString();
    }

    private static byte[] utf8(String user) {
        return Objects.requireNonNull(user, "user").getBytes(StandardCharsets.UTF_8);
    }
}
