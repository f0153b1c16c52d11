package dev.spartan.chat;

import dev.spartan.contract.Addresses;
import dev.spartan.crypto.SignalKeys;
import dev.spartan.store.Device;
import dev.spartan.store.MessageStore;
import dev.spartan.store.PairState;
import dev.spartan.store.PendingLink;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of linking a new device to an account (PROTOCOL.md, "Linking"): a new device leaves its key under a
 * random slot; a signed-in device of the same account reads it, and either completes the link (the server makes
 * the device and keeps the sealed bundle for the new device) or declines it. The server never holds anything it
 * could open: the bundle is sealed to the new device's key, and the code's secret never reaches the server.
 *
 * <p>Every link is one-time and expires after {@link #LIFETIME}; an account has at most {@code devicesPerUser}
 * devices, the first included, and a new device may not even open a link once that many are there.
 */
public final class Linking {
    /** How long a link code may be answered. */
    public static final Duration LIFETIME = Duration.ofMinutes(10);

    public static final int SLOT_BYTES = 4;
    public static final int MAX_NAME_LENGTH = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Directory directory;
    private final MessageStore store;
    private final InboxWatchers watchers;
    private final Clock clock;
    private final int devicesPerUser;
    private final int maxBundleBytes;

    /**
     * @param watchers       told when a link is answered, under {@link #waitName}, so the new device's stream looks
     * @param devicesPerUser the most devices an account may have, the first included
     * @param maxBundleBytes the largest sealed bundle a completion may carry
     */
    public Linking(
            Directory directory,
            MessageStore store,
            InboxWatchers watchers,
            Clock clock,
            int devicesPerUser,
            int maxBundleBytes) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.watchers = Objects.requireNonNull(watchers, "watchers");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.devicesPerUser = devicesPerUser;
        this.maxBundleBytes = maxBundleBytes;
    }

    /** Where a new link waits: a slot and the moment its code stops working. */
    // equals and hashCode are not used; the slot is only read
    @SuppressWarnings("ArrayRecordComponent")
    public record Opened(byte[] slot, long expiresMillis) {}

    /** The new device's call: keeps its key and name under a fresh slot. */
    public Opened open(String user, byte[] deviceKey, String deviceName) {
        if (!directory.isUser(user)) {
            throw Refusal.notFound("'" + user + "' is not a user of this server (see users in config.yaml)");
        }
        try {
            SignalKeys.curveKey(deviceKey, "device_key");
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid(e.getMessage());
        }
        requireName(deviceName);
        if (store.keys(user).isEmpty()) {
            throw Refusal.precondition(user + " has not signed in on any device yet: start the client without --link"
                    + " to make this the first one");
        }
        requireRoom(user);
        long expires = clock.millis() + LIFETIME.toMillis();
        PendingLink link = PendingLink.open(user, deviceKey, deviceName, expires);
        for (int attempt = 0; attempt < 3; attempt++) {
            byte[] slot = new byte[SLOT_BYTES];
            RANDOM.nextBytes(slot);
            if (store.putLinkIfAbsent(slot, link, clock.millis())) {
                return new Opened(slot, expires);
            }
        }
        throw Refusal.conflict("no free link slot was found: try again");
    }

    /** What a signed-in device of {@code caller}'s account reads before it asks its person. */
    public PendingLink pending(String caller, byte[] slot) {
        return waiting(caller, slot);
    }

    /**
     * Completes the link: makes the device, keeps the sealed bundle for the new device and wakes its stream.
     *
     * @return the device made
     */
    public Device complete(String caller, byte[] slot, byte[] sealedBundle) {
        if (sealedBundle.length == 0 || sealedBundle.length > maxBundleBytes) {
            throw Refusal.invalid(
                    "sealed_bundle must hold 1 to " + maxBundleBytes + " bytes, not " + sealedBundle.length);
        }
        Device made = store.atomically(lockKey(caller), () -> {
            PendingLink link = waiting(caller, slot);
            requireRoom(caller);
            Device device = store.addDevice(caller, link.deviceName(), link.deviceKey(), clock.millis());
            store.answerLink(slot, link.completed(device.id(), sealedBundle));
            return device;
        });
        watchers.inboxesGrew(List.of(waitName(slot)));
        devicesChanged(caller, true, Addresses.of(caller, made.id()));
        return made;
    }

    /**
     * Unlinks device {@code id} of the caller's account: forgets it, then drops its inbox and prekeys. Device 1 is the
     * account itself and cannot be unlinked. The caller ends the device's sessions (on every node).
     *
     * @param caller the calling device's address
     * @return the address of the device unlinked
     */
    public String unlink(String caller, int id) {
        String user = Addresses.userOf(caller);
        if (id == 1) {
            throw Refusal.denied("device 1 is the account itself and cannot be unlinked (only the operator's"
                    + " 'admin reset " + user + "' replaces it, with a new identity)");
        }
        if (id < 1 || !store.removeDevice(user, id)) {
            throw Refusal.notFound(user + " has no device " + id + " (see /devices)");
        }
        String address = Addresses.of(user, id);
        // Nothing is kept for a device that is gone: its prekeys, and its inbox (acknowledged up to its end, which
        // forgets it: a cluster-safe step, where a purge would scan the whole store).
        store.dropKeys(address);
        store.ack(address, store.lastSeq(address));
        devicesChanged(user, false, address);
        return address;
    }

    /**
     * Tells the account's devices and everyone who shares a chat or a group with it that its device list changed:
     * a link is never silent, and senders encrypt for the devices as they are now.
     */
    private void devicesChanged(String user, boolean linked, String changed) {
        DeviceAddresses addresses = new DeviceAddresses(store);
        dev.spartan.proto.DevicesChanged.Builder change =
                dev.spartan.proto.DevicesChanged.newBuilder().setUser(user).setLinked(linked);
        change.addDeviceIds(1);
        store.devices(user).forEach(d -> change.addDeviceIds(d.id()));
        dev.spartan.proto.Event event =
                dev.spartan.proto.Event.newBuilder().setDevicesChanged(change).build();
        java.util.Set<String> people = new java.util.LinkedHashSet<>();
        people.add(user);
        for (String other : directory.users()) {
            if (!other.equals(user)
                    && store.pairState(PairState.pairKey(user, other)).status() != PairState.Status.NONE) {
                people.add(other);
            }
        }
        directory.groupsOf(user).forEach(g -> people.addAll(g.getMembersList()));
        List<String> told = new java.util.ArrayList<>();
        for (String person : people) {
            for (String address : addresses.of(person)) {
                if (!address.equals(changed)) { // the new device knows; an unlinked one hears nothing more
                    store.appendEvent(address, event);
                    told.add(address);
                }
            }
        }
        watchers.inboxesGrew(told);
    }

    /** Declines the link: the new device's stream ends, and nothing is made. */
    public void decline(String caller, byte[] slot) {
        store.atomically(lockKey(caller), () -> {
            store.answerLink(slot, waiting(caller, slot).declined());
            return null;
        });
        watchers.inboxesGrew(List.of(waitName(slot)));
    }

    /** The link under {@code slot} in whatever state it is, for the new device's stream; empty once it expired. */
    public Optional<PendingLink> state(byte[] slot) {
        return store.link(slot, clock.millis());
    }

    /** The name under which a new device's stream waits for its link's answer (never a user's name: # is not). */
    public static String waitName(byte[] slot) {
        return "link#" + HexFormat.of().formatHex(slot);
    }

    public List<Device> devices(String user) {
        return store.devices(user);
    }

    /** When the device at {@code address} last logged in; 0 if never. */
    public long lastSeen(String address) {
        return store.lastLogin(address).orElse(0);
    }

    private PendingLink waiting(String caller, byte[] slot) {
        if (slot.length != SLOT_BYTES) {
            throw Refusal.invalid("slot must be " + SLOT_BYTES + " bytes, not " + slot.length);
        }
        return store.link(slot, clock.millis())
                .filter(l -> l.user().equals(caller) && l.state() == PendingLink.State.OPEN)
                .orElseThrow(() -> Refusal.notFound("no new device waits under that code: it expired after "
                        + LIFETIME.toMinutes() + " minutes, was answered already, or is for another account"));
    }

    private void requireRoom(String user) {
        int devices = 1 + store.devices(user).size();
        if (devices >= devicesPerUser) {
            throw Refusal.exhausted(user + " has " + devices + " devices, the most this server allows: unlink one"
                    + " (/devices, /unlink N) first");
        }
    }

    private static void requireName(String name) {
        if (name.isEmpty()
                || name.codePointCount(0, name.length()) > MAX_NAME_LENGTH
                || name.codePoints().anyMatch(c -> Character.isISOControl(c) || !Character.isDefined(c))
                || !name.strip().equals(name)) {
            throw Refusal.invalid("device_name must be 1 to " + MAX_NAME_LENGTH
                    + " printable characters without a space at either end");
        }
    }

    private static String lockKey(String user) {
        return "devices\0" + user;
    }
}
