package dev.spartan.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.signal.libsignal.protocol.DuplicateMessageException;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.InvalidVersionException;
import org.signal.libsignal.protocol.LegacyMessageException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.groups.GroupCipher;
import org.signal.libsignal.protocol.groups.GroupSessionBuilder;
import org.signal.libsignal.protocol.groups.state.SenderKeyRecord;
import org.signal.libsignal.protocol.groups.state.SenderKeyStore;
import org.signal.libsignal.protocol.message.SenderKeyDistributionMessage;

/**
 * libsignal sender keys (PROTOCOL.md, "The envelope", sender-key path) in the key directory: one owner-only file per
 * (device address, distribution id) under {@code sender_keys/}, the sender's own and those its peers distributed,
 * changed through the {@link StateJournal} with the sessions and counters. As for sessions, a chain step lost in a
 * crash after its ciphertext left would reuse a message key, so the own key's state is durable before the caller
 * lets a ciphertext go; and a reader's key state becomes durable in the same journal frame as the counters of the
 * messages it opened, before they are shown ({@link #stage}), so a crash in between neither loses nor repeats one.
 */
public final class SenderKeys {
    static final String DIR = "sender_keys";
    /** The index of the peers' keys: which keys each peer device gave for each group, newest last. */
    static final String PEERS = DIR + "/peers";
    /**
     * Keys kept per (peer device, group): the current one and the one before, which messages sealed before the
     * rotation may still need; older ones are deleted, so a peer who rotates often does not fill the directory.
     */
    static final int KEPT_PER_GROUP = 2;

    private final Path dir;
    private final StateJournal journal;
    private final JournaledRecords records;
    private final SenderKeyStore store = new FileStore();
    /** "hex(peer address) TAB hex(group)" -> the distribution ids it gave, oldest first, at most KEPT_PER_GROUP. */
    private final Map<String, List<UUID>> peers = new HashMap<>();

    private SenderKeys(Path keyDir, StateJournal journal) throws IOException {
        this.dir = keyDir.resolve(DIR);
        this.journal = journal;
        this.records = new JournaledRecords(keyDir, DIR, ".key", journal);
    }

    /**
     * The sender keys kept in {@code keyDir} (the directory is made on first use), changed through {@code journal},
     * which was opened first (so the files hold what it had).
     */
    public static SenderKeys open(Path keyDir, StateJournal journal) throws IOException {
        SenderKeys keys =
                new SenderKeys(Objects.requireNonNull(keyDir, "keyDir"), Objects.requireNonNull(journal, "journal"));
        Path index = keyDir.resolve(PEERS);
        if (Files.exists(index)) {
            for (String line : Files.readAllLines(index, StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                try {
                    if (f.length == 3) {
                        keys.peers.put(
                                f[0] + "\t" + f[1],
                                new ArrayList<>(Arrays.stream(f[2].split(",", -1))
                                        .map(UUID::fromString)
                                        .toList()));
                    }
                } catch (IllegalArgumentException e) {
                    // a line that is not whole is dropped: at worst an old key stays on disk
                }
            }
        }
        return keys;
    }

    /** The directory other key-directory state about sender keys may live in. */
    public Path dir() {
        return dir;
    }

    /**
     * The distribution message of this device's key under {@code distributionId}, made now if there is none; it
     * carries the chain at its current step, so a reader given it cannot open anything encrypted before. Its state
     * waits for {@link #sync}.
     */
    public synchronized byte[] distribution(String own, UUID distributionId) {
        return new GroupSessionBuilder(store)
                .create(address(own), distributionId)
                .serialize();
    }

    /** Encrypts under this device's key {@code distributionId} (made by {@link #distribution}); synced by {@link #sync}. */
    public synchronized byte[] encryptUnsynced(String own, UUID distributionId, byte[] plaintext) {
        try {
            return new GroupCipher(store, address(own))
                    .encrypt(distributionId, plaintext)
                    .serialize();
        } catch (NoSessionException e) {
            throw new IllegalStateException("no sender key " + distributionId + " of " + own, e);
        }
    }

    /** True if this device has its key {@code distributionId} (a crash may have lost one never synced). */
    public synchronized boolean has(String own, UUID distributionId) {
        return records.get(name(address(own), distributionId)) != null;
    }

    /** Makes every key state changed since the last sync durable (with whatever else the journal holds). */
    public synchronized void sync() {
        records.sync();
    }

    /** Puts every key state changed since the last sync into the journal's next frame, for a sync that follows. */
    public synchronized void stage() {
        records.stage();
    }

    /** Deletes this device's key {@code distributionId}: it was rotated away and is never used again. */
    public synchronized void drop(String own, UUID distributionId) {
        records.remove(name(address(own), distributionId)); // gone with the next sync; until then it stays on disk
    }

    /**
     * Takes in the key {@code sender} distributed for {@code group} (a key carrier's content), and deletes that
     * sender's keys for the group older than the one before it; durable with the next sync.
     */
    public synchronized void process(String sender, String group, byte[] distribution) throws Ratchet.RatchetException {
        try {
            SenderKeyDistributionMessage message = new SenderKeyDistributionMessage(distribution);
            new GroupSessionBuilder(store).process(address(sender), message);
            keep(sender, group, message.getDistributionId());
        } catch (InvalidMessageException
                | InvalidVersionException
                | LegacyMessageException
                | InvalidKeyException
                | RuntimeException e) {
            throw new Ratchet.RatchetException(
                    Ratchet.Fault.UNDECRYPTABLE, "unusable sender key: " + e.getMessage(), e);
        }
    }

    /**
     * Decrypts a SenderKeyMessage from {@code sender}; its new state is durable with the next {@link #sync} or
     * {@link #stage} and journal sync, which must come before the message is shown. A step already taken is {@link
     * Ratchet.Fault#DUPLICATE} (a replay); no key, or a message that does not check out, {@code UNDECRYPTABLE}.
     */
    public synchronized byte[] decrypt(String sender, byte[] body) throws Ratchet.RatchetException {
        try {
            return new GroupCipher(store, address(sender)).decrypt(body);
        } catch (DuplicateMessageException e) {
            throw new Ratchet.RatchetException(Ratchet.Fault.DUPLICATE, "already decrypted", e);
        } catch (NoSessionException | InvalidMessageException | LegacyMessageException | RuntimeException e) {
            throw new Ratchet.RatchetException(Ratchet.Fault.UNDECRYPTABLE, "cannot decrypt: " + e.getMessage(), e);
        }
    }

    /** Notes {@code id} as the newest key of (sender, group); drops the keys past {@link #KEPT_PER_GROUP}. */
    private void keep(String sender, String group, UUID id) {
        HexFormat hex = HexFormat.of();
        List<UUID> ids = peers.computeIfAbsent(
                hex.formatHex(sender.getBytes(StandardCharsets.UTF_8)) + "\t"
                        + hex.formatHex(group.getBytes(StandardCharsets.UTF_8)),
                k -> new ArrayList<>());
        if (!ids.isEmpty() && ids.get(ids.size() - 1).equals(id)) {
            return; // the same key again (a retry's carrier): nothing changes
        }
        ids.remove(id);
        ids.add(id);
        while (ids.size() > KEPT_PER_GROUP) {
            records.remove(name(address(sender), ids.remove(0)));
        }
        StringBuilder index = new StringBuilder();
        peers.forEach((key, kept) -> index.append(key)
                .append('\t')
                .append(String.join(",", kept.stream().map(UUID::toString).toList()))
                .append('\n'));
        journal.replace(PEERS, index.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static SignalProtocolAddress address(String device) {
        return new SignalProtocolAddress(device, Ratchet.DEVICE);
    }

    /** File names are the hex of the UTF-8 address and the id, so no name can reach outside the directory. */
    private static String name(SignalProtocolAddress a, UUID distributionId) {
        return HexFormat.of().formatHex(a.getName().getBytes(StandardCharsets.UTF_8)) + "." + distributionId;
    }

    /** libsignal's view of the files; every change waits for {@link #sync} or {@link #stage}. */
    private final class FileStore implements SenderKeyStore {
        @Override
        public void storeSenderKey(SignalProtocolAddress sender, UUID distributionId, SenderKeyRecord record) {
            records.put(name(sender, distributionId), record.serialize());
        }

        @Override
        public SenderKeyRecord loadSenderKey(SignalProtocolAddress sender, UUID distributionId) {
            byte[] b = records.get(name(sender, distributionId));
            if (b == null) {
                return null;
            }
            try {
                return new SenderKeyRecord(b);
            } catch (InvalidMessageException e) {
                throw new IllegalStateException("corrupt sender key file " + name(sender, distributionId), e);
            }
        }
    }
}
