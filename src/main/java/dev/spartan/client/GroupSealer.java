package dev.spartan.client;

import dev.spartan.crypto.SenderKeys;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Which reader devices of a group message need this device's sender key (a key carrier over their pairwise session)
 * and which hold it already (PROTOCOL.md, "The envelope", sender-key path). The key is rotated (a new distribution
 * id, nobody holds it) whenever the group's view or its reading members change, or a device that holds it is no
 * longer a reader, so a member who left or a device that went away cannot read what comes after.
 *
 * <p>A device given a carrier counts as a holder for the other messages in flight at once, and for good once the
 * server stored the message ({@link #stored}); a retry of the same message gives it the key again, in case the
 * earlier attempt was refused.
 */
final class GroupSealer {
    /**
     * The key a message is sealed under.
     *
     * @param holders the readers that hold it already (no carrier)
     * @param needers the readers to give it (a carrier each)
     * @param distribution the SenderKeyDistributionMessage the carriers hold; null when nobody needs it
     */
    @SuppressWarnings("ArrayRecordComponent")
    record Plan(String group, UUID distributionId, Set<String> holders, List<String> needers, byte[] distribution) {}

    /** Devices given the key by a message not yet stored. */
    private record Given(String group, UUID distributionId, Set<String> devices) {}

    private final String own;
    private final SenderKeys keys;
    private final SenderKeyHolders state;
    private final Map<String, Given> inFlight = new HashMap<>();

    GroupSealer(String ownAddress, SenderKeys keys) throws IOException {
        this.own = Objects.requireNonNull(ownAddress, "ownAddress");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.state = new SenderKeyHolders(keys.dir());
    }

    /**
     * The key for message {@code messageId} to {@code group}, read by {@code readers} (device addresses), under the
     * group's {@code view} (its verified view hash and the members that read it).
     */
    synchronized Plan plan(String messageId, String group, String view, List<String> readers) {
        Set<String> readerSet = new HashSet<>(readers);
        Set<String> given = new HashSet<>();
        SenderKeyHolders.Current current = state.get(group);
        if (current != null) {
            UUID id = current.distributionId();
            for (Map.Entry<String, Given> e : inFlight.entrySet()) {
                Given g = e.getValue();
                if (!e.getKey().equals(messageId)
                        && g.group().equals(group)
                        && g.distributionId().equals(id)) {
                    given.addAll(g.devices());
                }
            }
        }
        if (current == null
                || !current.view().equals(view)
                || !keys.has(own, current.distributionId())
                || !readerSet.containsAll(current.holders())
                || !readerSet.containsAll(given)) {
            if (current != null) {
                keys.drop(own, current.distributionId());
            }
            current = new SenderKeyHolders.Current(UUID.randomUUID(), view, Set.of());
            state.put(group, current);
            given.clear();
        }
        Set<String> holders = new LinkedHashSet<>();
        List<String> needers = new ArrayList<>();
        for (String r : readers) {
            if (current.holders().contains(r) || given.contains(r)) {
                holders.add(r);
            } else {
                needers.add(r);
            }
        }
        byte[] distribution = needers.isEmpty() ? null : keys.distribution(own, current.distributionId());
        return new Plan(group, current.distributionId(), holders, needers, distribution);
    }

    /** The sender keys, this device's and those its peers gave it. */
    SenderKeys keys() {
        return keys;
    }

    /** The SenderKeyMessage of {@code plaintext} under the plan's key; its step is written by {@link #sync}. */
    byte[] encrypt(Plan plan, byte[] plaintext) {
        return keys.encryptUnsynced(own, plan.distributionId(), plaintext);
    }

    /** Message {@code messageId} carries the key to {@code devices} (its carriers as sent). */
    synchronized void gave(String messageId, Plan plan, Set<String> devices) {
        if (devices.isEmpty()) {
            inFlight.remove(messageId);
        } else {
            inFlight.put(messageId, new Given(plan.group(), plan.distributionId(), Set.copyOf(devices)));
        }
    }

    /** The server stored the message: its carriers' devices hold the key. */
    void stored(String messageId) {
        Given g;
        synchronized (this) {
            g = inFlight.remove(messageId);
        }
        if (g != null) {
            state.hold(g.group(), g.distributionId(), g.devices());
            state.sync();
        }
    }

    /** The message was refused for good: nobody got its carriers. */
    synchronized void failed(String messageId) {
        inFlight.remove(messageId);
    }

    /** Writes the key steps and group state left in memory; before any ciphertext made with them leaves. */
    void sync() {
        keys.sync();
        state.sync();
    }

    /** Puts the key states changed since the last sync into the journal's next frame, for a sync that follows. */
    void stage() {
        keys.stage();
    }
}
