package dev.spartan.client;

import dev.spartan.contract.Addresses;
import dev.spartan.proto.DevicesChanged;
import dev.spartan.proto.MismatchedDevices;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The devices this client encrypts for, per user (PROTOCOL.md, "Devices"): device 1 only until the server says
 * otherwise, by refusing a send with the current set (MismatchedDevices) or by a DevicesChanged event. Kept in memory:
 * a restarted client learns again from its first refusal.
 */
final class DeviceLists {
    private final Map<String, Set<Integer>> devices = new HashMap<>();
    private final Consumer<String> gone;

    /** @param gone told each device address that is no longer a device (its Signal session is dropped) */
    DeviceLists(Consumer<String> gone) {
        this.gone = gone;
    }

    /** The addresses of every known device of {@code user}, device 1 first. */
    synchronized List<String> of(String user) {
        Set<Integer> ids = devices.get(user);
        if (ids == null) {
            return List.of(user);
        }
        List<String> out = new ArrayList<>();
        ids.forEach(id -> out.add(Addresses.of(user, id)));
        return out;
    }

    /** A send was refused for a stale set: add the missing devices, drop the extra ones. */
    void apply(MismatchedDevices mismatched) {
        synchronized (this) {
            mismatched.getMissingList().forEach(a -> ids(Addresses.userOf(a)).add(Addresses.deviceOf(a)));
            mismatched.getExtraList().forEach(a -> ids(Addresses.userOf(a)).remove(Addresses.deviceOf(a)));
        }
        mismatched.getExtraList().forEach(gone);
    }

    /** The server told of a change: the list is now exactly the one given. */
    void changed(DevicesChanged change) {
        List<Integer> dropped = new ArrayList<>();
        synchronized (this) {
            Set<Integer> ids = ids(change.getUser());
            for (int id : ids) {
                if (!change.getDeviceIdsList().contains(id)) {
                    dropped.add(id);
                }
            }
            ids.clear();
            ids.addAll(change.getDeviceIdsList());
            ids.add(1);
        }
        dropped.forEach(id -> gone.accept(Addresses.of(change.getUser(), id)));
    }

    private Set<Integer> ids(String user) {
        return devices.computeIfAbsent(user, u -> {
            Set<Integer> set = new TreeSet<>();
            set.add(1);
            return set;
        });
    }
}
