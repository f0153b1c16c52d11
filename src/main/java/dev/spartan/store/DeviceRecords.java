package dev.spartan.store;

import com.google.protobuf.ByteString;
import dev.spartan.store.proto.StoredDevice;
import dev.spartan.store.proto.StoredDevices;
import dev.spartan.store.proto.StoredLink;
import java.util.HexFormat;
import java.util.List;

/** The storage records of devices and links, shared by both stores. */
final class DeviceRecords {
    private DeviceRecords() {}

    static String slotKey(byte[] slot) {
        return HexFormat.of().formatHex(slot);
    }

    static StoredDevices parseDevices(byte[] bytes) {
        return bytes == null ? StoredDevices.getDefaultInstance() : Records.parse(StoredDevices::parseFrom, bytes);
    }

    static List<Device> devices(StoredDevices stored) {
        return stored.getDevicesList().stream()
                .map(d -> new Device(d.getId(), d.getName(), d.getKey().toByteArray(), d.getCreatedMillis()))
                .toList();
    }

    /** The list with {@code device} added under the next id; the new device is the last of the list. */
    static StoredDevices withDevice(StoredDevices stored, String name, byte[] key, long createdMillis) {
        int id = Math.max(2, stored.getNextId());
        return stored.toBuilder()
                .setNextId(id + 1)
                .addDevices(StoredDevice.newBuilder()
                        .setId(id)
                        .setName(name)
                        .setKey(ByteString.copyFrom(key))
                        .setCreatedMillis(createdMillis))
                .build();
    }

    static Device last(StoredDevices stored) {
        List<Device> all = devices(stored);
        return all.get(all.size() - 1);
    }

    /** The list without device {@code id}, or null if it has none with that id. */
    static StoredDevices without(StoredDevices stored, int id) {
        StoredDevices.Builder b = stored.toBuilder().clearDevices();
        stored.getDevicesList().stream().filter(d -> d.getId() != id).forEach(b::addDevices);
        return b.getDevicesCount() == stored.getDevicesCount() ? null : b.build();
    }

    static byte[] link(PendingLink link) {
        return StoredLink.newBuilder()
                .setUser(link.user())
                .setDeviceKey(ByteString.copyFrom(link.deviceKey()))
                .setDeviceName(link.deviceName())
                .setExpiresMillis(link.expiresMillis())
                .setState(StoredLink.State.valueOf(link.state().name()))
                .setDeviceId(link.deviceId())
                .setSealedBundle(ByteString.copyFrom(link.sealedBundle()))
                .build()
                .toByteArray();
    }

    private static PendingLink.State state(StoredLink.State stored) {
        if (stored == StoredLink.State.UNRECOGNIZED) {
            throw new CorruptStoreException("a stored link has a state this version does not know", null);
        }
        return PendingLink.State.valueOf(stored.name());
    }

    static PendingLink link(byte[] bytes) {
        StoredLink s = Records.parse(StoredLink::parseFrom, bytes);
        return new PendingLink(
                s.getUser(),
                s.getDeviceKey().toByteArray(),
                s.getDeviceName(),
                s.getExpiresMillis(),
                state(s.getState()),
                s.getDeviceId(),
                s.getSealedBundle().toByteArray());
    }
}
