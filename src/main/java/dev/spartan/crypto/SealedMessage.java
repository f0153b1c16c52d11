package dev.spartan.crypto;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The encrypted form of one message, field for field the proto {@code Sealed}. Lengths are not checked here
 * because instances are built from untrusted input; {@link MessageCrypto#open} rejects bad ones.
 */
// equals, hashCode and the accessors below compare and copy the arrays' contents
@SuppressWarnings("ArrayRecordComponent")
public record SealedMessage(byte[] salt, byte[] body, Map<String, byte[]> wrappedKeys) {

    public SealedMessage {
        salt = Objects.requireNonNull(salt, "salt").clone();
        body = Objects.requireNonNull(body, "body").clone();
        wrappedKeys = deepCopy(Objects.requireNonNull(wrappedKeys, "wrappedKeys"));
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** Sorted by reader name; a copy, so callers cannot change this message. */
    @Override
    public Map<String, byte[]> wrappedKeys() {
        return deepCopy(wrappedKeys);
    }

    /** The wrapped key for one reader without copying the whole map; null if the reader is not addressed. */
    byte[] wrappedKey(String reader) {
        byte[] key = wrappedKeys.get(reader);
        return key == null ? null : key.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SealedMessage other)) {
            return false;
        }
        if (!Arrays.equals(salt, other.salt)
                || !Arrays.equals(body, other.body)
                || !wrappedKeys.keySet().equals(other.wrappedKeys.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : wrappedKeys.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.wrappedKeys.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 31 * Arrays.hashCode(salt) + Arrays.hashCode(body);
        for (Map.Entry<String, byte[]> e : wrappedKeys.entrySet()) {
            h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        return "SealedMessage[salt=" + salt.length + " bytes, body=" + body.length + " bytes, readers="
                + wrappedKeys.keySet() + "]";
    }

    private static Map<String, byte[]> deepCopy(Map<String, byte[]> source) {
        TreeMap<String, byte[]> copy = new TreeMap<>();
        source.forEach((reader, key) -> copy.put(
                Objects.requireNonNull(reader, "reader name"),
                Objects.requireNonNull(key, "wrapped key").clone()));
        return Collections.unmodifiableMap(copy);
    }
}
