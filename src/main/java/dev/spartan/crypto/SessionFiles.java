package dev.spartan.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
    /** By the hex of the UTF-8 peer name: the file's name, so no user name can reach outside the directory. */
    private final JournaledRecords records;
    /** Set and cleared by the ratchet around an encryption whose state may wait for {@link #sync}. */
    boolean deferring;

    SessionFiles(Path keyDir, StateJournal journal) throws IOException {
        this.dir = keyDir.resolve(DIR);
        this.records = new JournaledRecords(keyDir, DIR, ".session", journal);
        for (String hex : records.names()) {
            try {
                HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new IOException("unexpected file in " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    private static String hex(String name) {
        return HexFormat.of().formatHex(name.getBytes(StandardCharsets.UTF_8));
    }

    private Path file(String name) {
        return dir.resolve(hex(name) + ".session");
    }

    @Override
    public SessionRecord loadSession(SignalProtocolAddress address) {
        byte[] b = records.get(hex(address.getName()));
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
        if (deferring) {
            records.put(hex(address.getName()), record.serialize());
        } else {
            records.putNow(hex(address.getName()), record.serialize());
        }
    }

    /** Writes every session changed while deferring, in one journal frame; each holds its latest state. */
    synchronized void sync() {
        records.sync();
    }

    /** Puts every session changed while deferring into the journal's next frame, for a sync that follows. */
    synchronized void stage() {
        records.stage();
    }

    @Override
    public boolean containsSession(SignalProtocolAddress address) {
        SessionRecord r = loadSession(address);
        return r != null && r.hasSenderChain();
    }

    @Override
    public synchronized void deleteSession(SignalProtocolAddress address) {
        records.removeNow(hex(address.getName()));
    }

    @Override
    public void deleteAllSessions(String name) {
        deleteSession(new SignalProtocolAddress(name, Ratchet.DEVICE));
    }
}
