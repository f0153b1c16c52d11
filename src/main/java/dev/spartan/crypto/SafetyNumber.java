package dev.spartan.crypto;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A 60-digit number two users compare out of band (read aloud, in person) to rule out a server that hands
 * out its own keys. Both sides compute the same number because the pair is put in a canonical order first.
 */
public final class SafetyNumber {
    static final int ITERATIONS = 1024;
    private static final int GROUPS = 12;
    private static final int BYTES_PER_GROUP = 5;

    private SafetyNumber() {}

    public static String of(String userA, PublicIdentity a, String userB, PublicIdentity b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        byte[] partA = part(userA, a);
        byte[] partB = part(userB, b);
        // Unsigned byte order of the encoded parts = order of UTF-8 names, and is easy to match in any language.
        byte[] input = Arrays.compareUnsigned(partA, partB) <= 0
                ? KeyCodec.concat(partA, partB)
                : KeyCodec.concat(partB, partA);

        // Iterated only to make a brute-force search for a colliding key pair more expensive.
        MessageDigest sha512 = sha512();
        byte[] digest = new byte[0];
        for (int i = 0; i < ITERATIONS; i++) {
            sha512.update(digest);
            digest = sha512.digest(input);
        }

        StringBuilder out = new StringBuilder();
        for (int g = 0; g < GROUPS; g++) {
            long value = 0;
            for (int i = 0; i < BYTES_PER_GROUP; i++) {
                value = (value << 8) | (digest[g * BYTES_PER_GROUP + i] & 0xff);
            }
            if (g > 0) {
                out.append(' ');
            }
            out.append(String.format("%05d", value % 100_000));
        }
        return out.toString();
    }

    private static byte[] part(String user, PublicIdentity keys) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Labels.utf8NoNul(Objects.requireNonNull(user, "user")));
        out.write(0);
        out.writeBytes(keys.signingKey());
        out.writeBytes(keys.agreementKey());
        return out.toByteArray();
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 unavailable", e);
        }
    }
}
