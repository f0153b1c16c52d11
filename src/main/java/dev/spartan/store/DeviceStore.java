package dev.spartan.store;

import java.util.List;
import java.util.Optional;

/**
 * The devices of each account after the first, and the links that make them. Every method is atomic on its own;
 * a link's completion (read the link, add the device, mark the link) runs inside {@link MessageStore#atomically}
 * under the user's devices lock, so two links cannot both take the last free place. Each write is durable when the
 * method returns.
 */
public interface DeviceStore {
    /** The user's devices after the first, by id. */
    List<Device> devices(String user);

    /** Adds a device under the user's next id (2 for the first one added; ids are never given twice). */
    Device addDevice(String user, String name, byte[] key, long createdMillis);

    /** Forgets a device; false if the user has none with that id. */
    boolean removeDevice(String user, int id);

    /** Forgets every device of the user after the first (an operator's reset). */
    void dropDevices(String user);

    /**
     * Keeps a new link under {@code slot} until it expires, unless a link that has not expired is there: then
     * returns false and changes nothing.
     */
    boolean putLinkIfAbsent(byte[] slot, PendingLink link, long nowMillis);

    /** The link under {@code slot}, if there is one that has not expired. */
    Optional<PendingLink> link(byte[] slot, long nowMillis);

    /** Replaces the link under {@code slot} with its answer, keeping its expiry. */
    void answerLink(byte[] slot, PendingLink answered);
}
