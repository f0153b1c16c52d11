package dev.spartan.store;

import java.util.Arrays;
import java.util.Objects;

/**
 * A device of an account after the first: its id (2, 3, ... never given twice), the name given when it was linked,
 * and the key that signs its logins (libsignal's 33-byte serialization).
 */
// equals and hashCode compare the key's contents
@SuppressWarnings("ArrayRecordComponent")
public record Device(int id, String name, byte[] key, long createdMillis) {
    public Device {
        Objects.requireNonNull(name, "name");
        key = key.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device d
                && id == d.id
                && name.equals(d.name)
                && Arrays.equals(key, d.key)
                && createdMillis == d.createdMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, Arrays.hashCode(key), createdMillis);
    }
}
