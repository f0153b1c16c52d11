package dev.spartan.store;

import java.util.Arrays;
import java.util.Objects;

/**
 * A link a new device opened under a slot: whose account, the new device's key and name, until when it may be
 * answered, and the answer once there is one (the device made for it and the sealed bundle, or a refusal).
 */
// equals and hashCode compare the arrays' contents
@SuppressWarnings("ArrayRecordComponent")
public record PendingLink(
        String user,
        byte[] deviceKey,
        String deviceName,
        long expiresMillis,
        State state,
        int deviceId,
        byte[] sealedBundle) {
    public enum State {
        OPEN,
        COMPLETED,
        DECLINED
    }

    public PendingLink {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(deviceName, "deviceName");
        Objects.requireNonNull(state, "state");
        deviceKey = deviceKey.clone();
        sealedBundle = sealedBundle.clone();
    }

    public static PendingLink open(String user, byte[] deviceKey, String deviceName, long expiresMillis) {
        return new PendingLink(user, deviceKey, deviceName, expiresMillis, State.OPEN, 0, new byte[0]);
    }

    public PendingLink completed(int deviceId, byte[] sealedBundle) {
        return new PendingLink(user, deviceKey, deviceName, expiresMillis, State.COMPLETED, deviceId, sealedBundle);
    }

    public PendingLink declined() {
        return new PendingLink(user, deviceKey, deviceName, expiresMillis, State.DECLINED, 0, new byte[0]);
    }

    @Override
    public byte[] deviceKey() {
        return deviceKey.clone();
    }

    @Override
    public byte[] sealedBundle() {
        return sealedBundle.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PendingLink l
                && user.equals(l.user)
                && Arrays.equals(deviceKey, l.deviceKey)
                && deviceName.equals(l.deviceName)
                && expiresMillis == l.expiresMillis
                && state == l.state
                && deviceId == l.deviceId
                && Arrays.equals(sealedBundle, l.sealedBundle);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                user,
                Arrays.hashCode(deviceKey),
                deviceName,
                expiresMillis,
                state,
                deviceId,
                Arrays.hashCode(sealedBundle));
    }

    @Override
    public String toString() {
        return "PendingLink[" + user + ", " + deviceName + ", " + state + "]";
    }
}
