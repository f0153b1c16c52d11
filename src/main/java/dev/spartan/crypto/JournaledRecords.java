package dev.spartan.crypto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records kept one owner-only file each ({@code <dir>/<name><suffix>} in the key directory), changed through the
 * {@link StateJournal}: a change made with {@link #put} waits in memory until {@link #stage} puts it into the
 * journal's next frame, so that one sync serves a whole batch; {@link #putNow} and {@link #removeNow} are durable on
 * return. Names are the callers' own and file-name safe (hex, ids). The sessions, the sender keys and the kept
 * plaintexts of received messages are kept this way.
 */
public final class JournaledRecords {
    private final String dir;
    private final String suffix;
    private final StateJournal journal;
    private final Map<String, byte[]> records = new ConcurrentHashMap<>();
    private final Set<String> unsynced = new HashSet<>();

    /** The records in {@code keyDir/dir} (made if missing); the journal was opened first, so the files are current. */
    public JournaledRecords(Path keyDir, String dir, String suffix, StateJournal journal) throws IOException {
        this.dir = dir;
        this.suffix = suffix;
        this.journal = journal;
        Path folder = keyDir.resolve(dir);
        PrivateFiles.createDir(folder);
        try (var files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.toString().endsWith(suffix)).toList()) {
                String file = f.getFileName().toString();
                records.put(file.substring(0, file.length() - suffix.length()), Files.readAllBytes(f));
            }
        }
    }

    /** The record's bytes; null if there is none. */
    public byte[] get(String name) {
        return records.get(name);
    }

    public Set<String> names() {
        return records.keySet();
    }

    /** Changes a record in memory: durable with the journal's sync after the next {@link #stage}. */
    public synchronized void put(String name, byte[] content) {
        records.put(name, content);
        unsynced.add(name);
    }

    /** Changes a record and syncs that change alone (with whatever else the journal's frame holds). */
    public synchronized void putNow(String name, byte[] content) {
        journal.replace(entry(name), content);
        journal.sync();
        records.put(name, content);
        unsynced.remove(name);
    }

    /** Deletes a record; gone from disk with the journal's next sync. */
    public synchronized void remove(String name) {
        records.remove(name);
        unsynced.remove(name);
        journal.delete(entry(name));
    }

    /** Deletes a record and syncs that, without making the records changed in memory durable. */
    public synchronized void removeNow(String name) {
        remove(name);
        journal.sync();
    }

    /** Puts every record changed in memory into the journal's next frame, for a sync that follows. */
    public synchronized void stage() {
        for (String name : unsynced) {
            journal.replace(entry(name), records.get(name));
        }
        unsynced.clear();
    }

    /** {@link #stage}, then the journal's sync. */
    public synchronized void sync() {
        stage();
        journal.sync();
    }

    /** The record's file in the journal: relative to the key directory. */
    private String entry(String name) {
        return dir + "/" + name + suffix;
    }
}
