package dev.spartan.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.state.SessionRecord;
import org.signal.libsignal.protocol.state.SessionStore;

/**
 * Double Ratchet sessions in the key directory, one owner-only file per peer under {@code sessions/}, changed through
 * the {@link StateJournal} and synced on every change: a ratchet step that is lost in a crash would reuse a message
 * key. While {@link #deferring} is set, changes stay in memory until {@link #sync}, so that a batch of messages costs
 * one sync instead of one per message; the caller must sync before any ciphertext made meanwhile leaves, and before a
 * message decrypted meanwhile is shown.
 */
final class SessionFiles implements SessionStore {
    static final String DIR = "sessions";

    private final Path dir;
    private final StateJournal journal;
    private final Map<String, byte[]> records = new ConcurrentHashMap<>();
    private final Set<String> unsynced = new HashSet<>();
    /** Set and cleared by the ratchet around an encryption whose state may wait for {@link #sync}. */
    boolean deferring;

    SessionFiles(Path keyDir, StateJournal journal) throws IOException {
        this.dir = keyDir.resolve(DIR);
        this.journal = journal;
        PrivateFiles.createDir(dir);
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".session")).toList()) {
                String hex = f.getFileName().toString().replace(".session", "");
                records.put(new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8), Files.readAllBytes(f));
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("unexpected file in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** File names are the hex of the UTF-8 name, so no user name can reach outside the directory. */
    private Path file(String name) {
        return dir.resolve(HexFormat.of().formatHex(name.getBytes(StandardCharsets.UTF_8)) + ".session");
    }

    @Override
    public SessionRecord loadSession(SignalProtocolAddress address) {
        byte[] b = records.get(address.getName());
        if (b == null) {
            return null; // libsignal's contract: no session yet
        }
        try {
            return new SessionRecord(b);
        } catch (InvalidMessageException e) {
            throw new IllegalStateException("corrupt session file " + file(address.getName()), e);
        }
    }

    @Override
    public List<SessionRecord> loadExistingSessions(List<SignalProtocolAddress> addresses) throws NoSessionException {
        List<SessionRecord> out = new ArrayList<>();
        for (SignalProtocolAddress a : addresses) {
            SessionRecord r = loadSession(a);
            if (r == null) {
                throw new NoSessionException("no session with " + a.getName());
            }
            out.add(r);
        }
        return out;
    }

    @Override
    public List<Integer> getSubDeviceSessions(String name) {
        return List.of(); // one device per user
    }

    @Override
    public synchronized void storeSession(SignalProtocolAddress address, SessionRecord record) {
        String name = address.getName();
        byte[] b = record.serialize();
        if (deferring) {
            records.put(name, b);
            unsynced.add(name);
            return;
        }
        journal.replace(entry(name), b);
        journal.sync();
        records.put(name, b);
        unsynced.remove(name);
    }

    /** Writes every session changed while deferring, in one journal frame; each holds its latest state. */
    synchronized void sync() {
        stage();
        journal.sync();
    }

    /** Puts every session changed while deferring into the journal's next frame, for a sync that follows. */
    synchronized void stage() {
        for (String name : unsynced) {
            journal.replace(entry(name), records.get(name));
        }
        unsynced.clear();
    }

    /** The session file's name in the journal: relative to the key directory. */
    private String entry(String name) {
        return DIR + "/" + file(name).getFileName();
    }

    @Override
    public boolean containsSession(SignalProtocolAddress address) {
        SessionRecord r = loadSession(address);
        return r != null && r.hasSenderChain();
    }

    @Override
    public synchronized void deleteSession(SignalProtocolAddress address) {
        journal.delete(entry(address.getName()));
        journal.sync();
        records.remove(address.getName());
        unsynced.remove(address.getName());
    }

    @Override
    public void deleteAllSessions(String name) {
        deleteSession(new SignalProtocolAddress(name, Ratchet.DEVICE));
    }
}
