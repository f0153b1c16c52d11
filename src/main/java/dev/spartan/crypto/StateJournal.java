package dev.spartan.crypto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The client's synced state files (the sessions, sender keys, {@code counters}, {@code sent_numbers} and the kept
 * plaintexts) change through one append-only file, {@code KEYS/state.journal}: what a batch changed is appended as
 * one frame (length, CRC-32, then the new content of each file, its deletion or lines appended to it) and made
 * durable with one fdatasync, instead of one atomic rewrite (temp file, sync,
 * rename: several times the CPU) per file. The files themselves are brought up to date from the journal when it
 * passes {@link #COMPACT_BYTES} and whenever a client opens the directory, then the journal is emptied. A frame torn
 * by a crash fails its length or CRC and is ignored whole, with everything after it: its batch was never shown,
 * acknowledged or sent.
 */
public final class StateJournal {
    public static final String FILE = "state.journal";
    static final long COMPACT_BYTES = 1 << 20;
    private static final byte REPLACE = 'R';
    private static final byte DELETE = 'D';
    private static final byte APPEND = 'A';

    private final Path keyDir;
    private final Path file;
    private final FileChannel out;
    /** Records of the frame being built, not written yet. */
    private final ByteArrayOutputStream frame = new ByteArrayOutputStream();
    /** A frame was written and not synced since: the next {@link #sync} syncs, even with nothing new to write. */
    private boolean unforced;
    /** Each file's change since the last compaction, by its path relative to the key directory. */
    private final Map<String, Change> latest = new LinkedHashMap<>();

    /**
     * What the journal holds for one file: a new content (null with {@code replaced}: deleted) and lines appended
     * after it (or, without {@code replaced}, after what the file holds).
     */
    private static final class Change {
        boolean replaced;
        byte[] content;
        final ByteArrayOutputStream appended = new ByteArrayOutputStream();

        void apply(byte kind, byte[] bytes) {
            if (kind == APPEND) {
                appended.writeBytes(bytes);
                return;
            }
            replaced = true;
            content = kind == DELETE ? null : bytes;
            appended.reset();
        }
    }

    private StateJournal(Path keyDir) throws IOException {
        this.keyDir = keyDir;
        this.file = keyDir.resolve(FILE);
        if (Files.exists(file)) {
            replay(Files.readAllBytes(file));
        } else {
            PrivateFiles.write(file, new byte[0]);
        }
        this.out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        compact(); // what an earlier run left in the journal reaches the files before anyone reads them
    }

    /** The journal of {@code keyDir}; what an earlier run left in it is applied to the files first. */
    public static StateJournal open(Path keyDir) throws IOException {
        PrivateFiles.createDir(keyDir);
        return new StateJournal(keyDir);
    }

    /** {@code name} (relative to the key directory) is to hold {@code content} once the next {@link #sync} returns. */
    public synchronized void replace(String name, byte[] content) {
        change(REPLACE, name, content);
    }

    /** {@code name} is to be gone once the next {@link #sync} returns. */
    public synchronized void delete(String name) {
        change(DELETE, name, new byte[0]);
    }

    /** {@code name} is to end with {@code bytes} once the next {@link #sync} returns (a log's new lines). */
    public synchronized void append(String name, byte[] bytes) {
        change(APPEND, name, bytes);
    }

    private void change(byte kind, String name, byte[] bytes) {
        record(kind, name, bytes);
        latest.computeIfAbsent(name, n -> new Change()).apply(kind, bytes);
    }

    /** Writes the changes since the last sync as one frame and syncs it; then compacts if the journal is long. */
    public synchronized void sync() {
        flush(true);
    }

    /**
     * Writes the changes since the last sync as one frame without syncing it: a process killed now keeps it (the
     * kernel holds it), a power failure before the next {@link #sync} may not. For what may be lost that way but
     * must outlive the process, at the cost of a write, not of a sync.
     */
    public synchronized void write() {
        flush(false);
    }

    private void flush(boolean durable) {
        try {
            boolean wrote = frame.size() > 0;
            if (wrote) {
                writeFrame();
                unforced = true;
            }
            // also when the frame is empty: another thread's write() may have taken this caller's changes with it
            if (durable && unforced) {
                out.force(false);
                unforced = false;
            }
            if (wrote && out.size() > COMPACT_BYTES) {
                compact();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private void writeFrame() throws IOException {
        byte[] payload = frame.toByteArray();
        frame.reset();
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    private void record(byte kind, String name, byte[] content) {
        try {
            DataOutputStream d = new DataOutputStream(frame);
            d.writeByte(kind);
            d.writeUTF(name);
            d.writeInt(content.length);
            d.write(content);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
        }
    }

    /** Applies every whole frame, in order, to {@link #latest}; stops at the first torn or damaged one. */
    private void replay(byte[] all) {
        ByteBuffer b = ByteBuffer.wrap(all);
        while (b.remaining() >= 8) {
            int length = b.getInt();
            int expected = b.getInt();
            if (length < 0 || length > b.remaining()) {
                return;
            }
            byte[] payload = new byte[length];
            b.get(payload);
            CRC32 crc = new CRC32();
            crc.update(payload);
            if ((int) crc.getValue() != expected) {
                return;
            }
            try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(payload))) {
                while (d.available() > 0) {
                    byte kind = d.readByte();
                    String name = d.readUTF();
                    byte[] content = d.readNBytes(d.readInt());
                    latest.computeIfAbsent(name, n -> new Change()).apply(kind, content);
                }
            } catch (IOException e) {
                return; // cannot happen under a matching CRC; treated as torn
            }
        }
    }

    /** Writes each changed file atomically (synced), then empties the journal. */
    private void compact() throws IOException {
        for (Map.Entry<String, Change> e : latest.entrySet()) {
            Path target = keyDir.resolve(e.getKey()).normalize();
            if (!target.startsWith(keyDir.normalize())) {
                continue; // names are the client's own; this only guards a damaged journal
            }
            Change c = e.getValue();
            byte[] base = c.replaced ? c.content : Files.exists(target) ? Files.readAllBytes(target) : new byte[0];
            if (base == null && c.appended.size() == 0) {
                Files.deleteIfExists(target);
            } else {
                ByteArrayOutputStream whole = new ByteArrayOutputStream();
                whole.writeBytes(base == null ? new byte[0] : base);
                whole.writeBytes(c.appended.toByteArray());
                PrivateFiles.createDir(target.getParent());
                PrivateFiles.write(target, whole.toByteArray());
            }
        }
        latest.clear();
        out.truncate(0);
        out.force(true);
        unforced = false;
    }
}
