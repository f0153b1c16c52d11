package dev.spartan.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * The code a person types on a signed-in device to link a new one: the server's slot for the link and a hash of the
 * new device's key, so a server that relays another key than the one the new device made is caught (PROTOCOL.md,
 * "Linking").
 *
 * <p>Bytes: {@code slot (5) || key hash (9) || check (1)}, where the key hash is the first 9 bytes of {@code
 * SHA-256("spartan/link/v1" || 0x00 || key)} and the check the first byte of {@code SHA-256(slot || key hash)}. Text:
 * the 15 bytes in Crockford's base32, 24 symbols in six groups of four ({@code 7Q4K-...}). The check tells a typo from
 * a swapped key, which the hash alone could not.
 */
public final class LinkCode {
    public static final int SLOT_BYTES = 5;
    static final int KEY_HASH_BYTES = 9;
    static final String LABEL = "spartan/link/v1";

    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final int BYTES = SLOT_BYTES + KEY_HASH_BYTES + 1;
    private static final int SYMBOLS = BYTES * 8 / 5;

    private final byte[] slot;
    private final byte[] keyHash;

    private LinkCode(byte[] slot, byte[] keyHash) {
        this.slot = slot;
        this.keyHash = keyHash;
    }

    /** The code for a slot the server gave and the key the new device made. */
    public static LinkCode of(byte[] slot, ECPublicKey deviceKey) {
        if (slot.length != SLOT_BYTES) {
            throw new IllegalArgumentException("a link slot has " + SLOT_BYTES + " bytes, not " + slot.length);
        }
        return new LinkCode(slot.clone(), keyHash(deviceKey));
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
        byte[] slot = Arrays.copyOfRange(bytes, 0, SLOT_BYTES);
        byte[] keyHash = Arrays.copyOfRange(bytes, SLOT_BYTES, SLOT_BYTES + KEY_HASH_BYTES);
        if (bytes[BYTES - 1] != check(slot, keyHash)) {
            throw new IllegalArgumentException("that link code has a typo: compare it with the new device's screen");
        }
        return new LinkCode(slot, keyHash);
    }

    public byte[] slot() {
        return slot.clone();
    }

    /** Whether the key the server relayed is the one the new device made. */
    public boolean matches(ECPublicKey deviceKey) {
        return MessageDigest.isEqual(keyHash, keyHash(deviceKey));
    }

    /** Six groups of four symbols joined by hyphens. */
    @Override
    public String toString() {
        byte[] bytes = new byte[BYTES];
        System.arraycopy(slot, 0, bytes, 0, SLOT_BYTES);
        System.arraycopy(keyHash, 0, bytes, SLOT_BYTES, KEY_HASH_BYTES);
        bytes[BYTES - 1] = check(slot, keyHash);
        String symbols = encode(bytes);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < symbols.length(); i += 4) {
            text.append(i == 0 ? "" : "-").append(symbols, i, i + 4);
        }
        return text.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LinkCode code && Arrays.equals(slot, code.slot) && Arrays.equals(keyHash, code.keyHash);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(slot) + Arrays.hashCode(keyHash);
    }

    private static byte[] keyHash(ECPublicKey deviceKey) {
        MessageDigest sha = sha256();
        sha.update(LABEL.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        return Arrays.copyOf(sha.digest(deviceKey.serialize()), KEY_HASH_BYTES);
    }

    private static byte check(byte[] slot, byte[] keyHash) {
        MessageDigest sha = sha256();
        sha.update(slot);
        return sha.digest(keyHash)[0];
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
        return out.toString(); // 120 bits: no remainder
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
