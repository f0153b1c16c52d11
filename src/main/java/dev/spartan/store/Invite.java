package dev.spartan.store;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/** An outstanding enrollment code of one user: only the code's hash is kept, with when it stops being valid. */
// equals and hashCode compare the array's contents
@SuppressWarnings("ArrayRecordComponent")
public record Invite(byte[] codeHash, long expiresAtMillis) {
    public Invite {
        Objects.requireNonNull(codeHash, "codeHash");
        codeHash = codeHash.clone();
    }

    @Override
    public byte[] codeHash() {
        return codeHash.clone();
    }

    /** 8 bytes of expiry (big-endian millis), then the hash. */
    byte[] encode() {
        return ByteBuffer.allocate(8 + codeHash.length)
                .putLong(expiresAtMillis)
                .put(codeHash)
                .array();
    }

    static Invite decode(byte[] bytes) {
        if (bytes == null || bytes.length < 8) {
            throw new IllegalStateException("corrupt invite record in the store");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long expires = b.getLong();
        return new Invite(Arrays.copyOfRange(bytes, 8, bytes.length), expires);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Invite i && expiresAtMillis == i.expiresAtMillis && Arrays.equals(codeHash, i.codeHash);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(codeHash) + Long.hashCode(expiresAtMillis);
    }

    @Override
    public String toString() {
        return "Invite[expiresAtMillis=" + expiresAtMillis + "]";
    }
}
