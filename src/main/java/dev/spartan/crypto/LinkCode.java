package dev.spartan.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * The code a person types on a signed-in device to link a new one (PROTOCOL.md, "Linking"). It carries the server's
 * slot for the link; a hash of the new device's key, so a server that relays another key than the one the new device
 * made is caught; and a secret the server never sees, which authenticates what the signed-in device sends back (see
 * {@link LinkSeal}): without it, the server could hand the new device an identity and pins of its own making.
 *
 * <p>Bytes: {@code slot (4) || key hash (8) || secret (6) || check (2)}, where the key hash is the first 8 bytes of
 * {@code SHA-256("spartan/link/v1" || 0x00 || key)}, key being libsignal's 33-byte serialization, and the check the
 * first 2 bytes of {@code SHA-256(the 18 bytes before it)}. Text: the 20 bytes in Crockford's base32, 32 symbols in
 * eight groups of four. The check tells a typo (all but 1 in 65,536) from a swapped key, which the hash alone could
 * not.
 */
public final class LinkCode {
    public static final int SLOT_BYTES = 4;
    static final int KEY_HASH_BYTES = 8;
    static final int SECRET_BYTES = 6;
    private static final int CHECK_BYTES = 2;
    static final String LABEL = "spartan/link/v1";

    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final int BYTES = SLOT_BYTES + KEY_HASH_BYTES + SECRET_BYTES + CHECK_BYTES;
    private static final int SYMBOLS = BYTES * 8 / 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] payload; // slot || key hash || secret

    private LinkCode(byte[] payload) {
        this.payload = payload;
    }

    /** A new code with a fresh secret, for a slot the server gave and the key the new device made. */
    public static LinkCode create(byte[] slot, ECPublicKey deviceKey) {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return of(slot, deviceKey, secret);
    }

    /** The code of given parts, for protocol vectors. */
    static LinkCode of(byte[] slot, ECPublicKey deviceKey, byte[] secret) {
        if (slot.length != SLOT_BYTES || secret.length != SECRET_BYTES) {
            throw new IllegalArgumentException("a link slot has " + SLOT_BYTES + " bytes and a secret " + SECRET_BYTES);
        }
        byte[] payload = new byte[BYTES - CHECK_BYTES];
        System.arraycopy(slot, 0, payload, 0, SLOT_BYTES);
        System.arraycopy(keyHash(deviceKey), 0, payload, SLOT_BYTES, KEY_HASH_BYTES);
        System.arraycopy(secret, 0, payload, SLOT_BYTES + KEY_HASH_BYTES, SECRET_BYTES);
        return new LinkCode(payload);
    }

    /**
     * Reads a typed code: case, hyphens and spaces do not matter, and O, I and L read as 0, 1 and 1.
     *
     * @throws IllegalArgumentException with a sentence for the person who typed it
     */
    public static LinkCode parse(String typed) {
        String symbols = typed.toUpperCase(Locale.ROOT)
                .replaceAll("[\\s-]", "")
                .replace('O', '0')
                .replace('I', '1')
                .replace('L', '1');
        if (symbols.length() != SYMBOLS || !symbols.chars().allMatch(c -> ALPHABET.indexOf(c) >= 0)) {
            throw new IllegalArgumentException("that is not a link code: a code has " + SYMBOLS
                    + " letters and digits in groups of four, as the new device printed it");
        }
        byte[] bytes = decode(symbols);
        byte[] payload = Arrays.copyOf(bytes, BYTES - CHECK_BYTES);
        if (!Arrays.equals(Arrays.copyOfRange(bytes, BYTES - CHECK_BYTES, BYTES), check(payload))) {
            throw new IllegalArgumentException("that link code has a typo: compare it with the new device's screen");
        }
        return new LinkCode(payload);
    }

    /** What the server knows the link by. */
    public byte[] slot() {
        return Arrays.copyOf(payload, SLOT_BYTES);
    }

    /** The part the server never sees. */
    byte[] secret() {
        return Arrays.copyOfRange(payload, SLOT_BYTES + KEY_HASH_BYTES, BYTES - CHECK_BYTES);
    }

    /** Whether the key the server relayed is the one the new device made. */
    public boolean matches(ECPublicKey deviceKey) {
        return MessageDigest.isEqual(
                Arrays.copyOfRange(payload, SLOT_BYTES, SLOT_BYTES + KEY_HASH_BYTES), keyHash(deviceKey));
    }

    /** Six groups of four symbols joined by hyphens. */
    @Override
    public String toString() {
        byte[] bytes = Arrays.copyOf(payload, BYTES);
        System.arraycopy(check(payload), 0, bytes, payload.length, CHECK_BYTES);
        String symbols = encode(bytes);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < symbols.length(); i += 4) {
            text.append(i == 0 ? "" : "-").append(symbols, i, i + 4);
        }
        return text.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LinkCode code && MessageDigest.isEqual(payload, code.payload);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(payload);
    }

    private static byte[] keyHash(ECPublicKey deviceKey) {
        MessageDigest sha = sha256();
        sha.update(LABEL.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        return Arrays.copyOf(sha.digest(deviceKey.serialize()), KEY_HASH_BYTES);
    }

    private static byte[] check(byte[] payload) {
        return Arrays.copyOf(sha256().digest(payload), CHECK_BYTES);
    }

    private static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out.append(ALPHABET.charAt((buffer >> bits) & 31));
            }
        }
        return out.toString(); // 160 bits: no remainder
    }

    private static byte[] decode(String symbols) {
        byte[] out = new byte[BYTES];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < symbols.length(); i++) {
            buffer = (buffer << 5) | ALPHABET.indexOf(symbols.charAt(i));
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (byte) (buffer >> bits);
            }
        }
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
