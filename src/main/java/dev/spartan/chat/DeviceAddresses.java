package dev.spartan.chat;

import dev.spartan.contract.Addresses;
import dev.spartan.proto.Event;
import dev.spartan.store.Device;
import dev.spartan.store.MessageStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The device addresses of each account as the store holds them now (PROTOCOL.md, "Devices"): what a message must be
 * encrypted for, and where an event for a person goes (every device's inbox).
 */
public final class DeviceAddresses {
    private final MessageStore store;

    public DeviceAddresses(MessageStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** The addresses of every device of {@code user}: the user first (device 1), then user#N by id. */
    public List<String> of(String user) {
        List<Device> linked = store.devices(user);
        if (linked.isEmpty()) {
            return List.of(user);
        }
        List<String> out = new ArrayList<>(1 + linked.size());
        out.add(user);
        linked.forEach(d -> out.add(Addresses.of(user, d.id())));
        return out;
    }

    /**
     * The devices of each user a message must be encrypted for: device 1, and every linked device that has uploaded
     * its prekeys (before that nobody can start a session with it; it reads what comes after).
     */
    public Set<String> readersOf(Collection<String> users) {
        Set<String> out = new LinkedHashSet<>();
        for (String user : users) {
            for (String address : of(user)) {
                if (address.equals(user) || store.signedPreKeys(address).isPresent()) {
                    out.add(address);
                }
            }
        }
        return out;
    }

    /** The addresses of every device of each user, in order. */
    public Set<String> ofAll(Collection<String> users) {
        Set<String> out = new LinkedHashSet<>();
        users.forEach(u -> out.addAll(of(u)));
        return out;
    }

    /** The device an address names, if it is a linked one (device 1 is the account itself, not in the list). */
    public Optional<Device> linked(String address) {
        int id = Addresses.deviceOf(address);
        if (id < 2) {
            return Optional.empty();
        }
        return store.devices(Addresses.userOf(address)).stream()
                .filter(d -> d.id() == id)
                .findFirst();
    }

    /** True if the address names a device the account has now (device 1 always, while the user exists). */
    public boolean exists(String address) {
        int id = Addresses.deviceOf(address);
        return id == 1 || linked(address).isPresent();
    }

    /** Appends {@code event} to the inbox of every device of {@code user}; returns their addresses. */
    public List<String> appendToAll(MessageStore inboxes, String user, Event event) {
        List<String> all = of(user);
        all.forEach(a -> inboxes.appendEvent(a, event));
        return all;
    }
}
