package dev.spartan.client;

import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.PrivateFiles;
import dev.spartan.proto.ChatRef;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The durable outbox as one append-only file, {@code KEYS/outbox/journal} (README, The durable outbox): a save
 * (queued or held) or a removal is one record appended with one write, so it survives the process's crash at once;
 * {@link #sync} makes everything appended so far durable with one fdatasync, which the outbox calls before it sends,
 * so the messages of one send batch share one sync. A record is its length, its CRC32C, then its payload: a record
 * torn by a crash fails either and is ignored with whatever follows it. When the file is mostly removed messages it is
 * rewritten with the live ones (temp file, synced, renamed). Message files of the earlier format ({@link FileSpool})
 * are taken into the journal once and deleted.
 */
public final class JournalSpool implements Spool {
    static final String FILE = "journal";
    private static final byte[] MAGIC = "spartan-outbox-journal/1\n".getBytes(StandardCharsets.US_ASCII);
    /** Below this the journal is never rewritten: a few hundred records cost less to skip than to compact. */
    static final long COMPACT_BYTES = 64 * 1024;

    private static final byte QUEUED = 'Q';
    private static final byte HELD = 'H';
    private static final byte REMOVED = 'R';

    /** What the journal holds for one message now, and the size of the record that says so. */
    private record Live(Entry entry, int bytes) {}

    /** What is in the outbox of a key directory, as a test or a tool reads it without changing it. */
    public record Queued(String messageId, ChatRef to, String text, boolean held) {}

    private final Path dir;
    private final Path file;
    private final Consumer<String> warn;
    private final Map<String, Live> live = new LinkedHashMap<>();
    /** Held by the one sync running; {@code this} guards the rest. */
    private final Object syncing = new Object();

    private FileChannel out;
    private long written;
    private long synced;
    private long liveBytes;
    private boolean loaded;
    /** The journal on disk was read into {@link #live} (or there was none): only then may it be rewritten. */
    private boolean journalRead;

    JournalSpool(Path keysDir, Consumer<String> warn) {
        this.dir = keysDir.resolve(FileSpool.DIR);
        this.file = dir.resolve(FILE);
        this.warn = Objects.requireNonNull(warn, "warn");
    }

    /** The messages the journal of {@code keysDir} holds, oldest first; reads only (a client may be writing it). */
    public static List<Queued> read(Path keysDir) throws IOException {
        Path file = keysDir.resolve(FileSpool.DIR).resolve(FILE);
        if (!Files.exists(file)) {
            return List.of();
        }
        Map<String, Live> live = new LinkedHashMap<>();
        replay(Files.readAllBytes(file), live);
        return live.values().stream()
                .map(l -> new Queued(
                        l.entry().pending().messageId(),
                        l.entry().pending().to(),
                        l.entry().pending().text(),
                        l.entry().held()))
                .toList();
    }

    @Override
    public synchronized List<Entry> load() {
        if (!loaded) {
            loaded = true;
            try {
                open();
            } catch (IOException e) {
                warn.accept("cannot read the outbox in " + dir + ": " + e.getMessage());
            }
        }
        return live.values().stream().map(Live::entry).toList();
    }

    @Override
    public synchronized void save(Outbox.Pending pending, boolean held) {
        load();
        append(pending.messageId(), encode(pending, held), new Entry(pending, held));
    }

    @Override
    public synchronized void remove(String messageId) {
        if (!live.containsKey(messageId)) {
            return;
        }
        try {
            append(messageId, encodeRemoval(messageId), null);
            if (written > COMPACT_BYTES && liveBytes * 4 < written) {
                compact();
            }
        } catch (UncheckedIOException | IOException e) {
            // Left in the journal: it goes again next time, and the server stores it once by its id.
            warn.accept("cannot remove a sent message from " + file + ": " + e.getMessage());
        }
    }

    /**
     * One fdatasync for everything appended so far, run outside the lock so that saves go on meanwhile; a caller
     * whose records another caller's sync covered returns at once.
     */
    @Override
    public void sync() {
        synchronized (syncing) {
            FileChannel channel;
            long upTo;
            synchronized (this) {
                if (out == null || synced >= written) {
                    return;
                }
                channel = out;
                upTo = written;
            }
            try {
                channel.force(false);
                synchronized (this) {
                    if (channel == out) { // else a rewrite meanwhile replaced the file, synced, and set the offsets
                        synced = Math.max(synced, upTo);
                    }
                }
            } catch (IOException e) {
                afterFailedSync(channel, upTo);
            }
        }
    }

    /** After a failed fdatasync the kernel may have dropped the pages: the live messages are written anew instead. */
    private synchronized void afterFailedSync(FileChannel channel, long upTo) {
        if (channel != out || synced >= upTo) {
            return; // a rewrite meanwhile (which closed the channel) synced it all
        }
        try {
            compact();
        } catch (IOException again) {
            throw new UncheckedIOException("cannot save the message in " + dir + ": " + again.getMessage(), again);
        }
    }

    /** Appends one record with one write; on a failure the file is cut back to where it was, so no torn record stays. */
    private void append(String messageId, byte[] payload, Entry entry) {
        byte[] record = frame(payload);
        try {
            if (out == null) {
                if (!Files.exists(file)) {
                    start();
                } else if (journalRead) {
                    compact(); // its rewrite at start failed: what was read is written again, not dropped
                } else {
                    throw new IOException("the outbox journal " + file + " could not be read at start and is left"
                            + " as it is; restart the client to read it again");
                }
            }
            ByteBuffer b = ByteBuffer.wrap(record);
            try {
                while (b.hasRemaining()) {
                    out.write(b);
                }
            } catch (IOException e) {
                out.truncate(written);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the message in " + dir + ": " + e.getMessage(), e);
        }
        written += record.length;
        Live before = entry == null ? live.remove(messageId) : live.put(messageId, new Live(entry, record.length));
        liveBytes += (entry == null ? 0 : record.length) - (before == null ? 0 : before.bytes());
    }

    /** Reads the journal and any message files of the earlier format; rewrites it if either needs it. */
    private void open() throws IOException {
        long good = Files.exists(file) ? readJournal() : 0;
        journalRead = true;
        FileSpool old = new FileSpool(dir.getParent(), warn);
        List<Entry> legacy = Files.isDirectory(dir) ? old.load() : List.of();
        for (Entry e : legacy) { // one an upgrade cut short by a crash took already is in the journal: kept as is
            live.putIfAbsent(e.pending().messageId(), new Live(e, encode(e.pending(), e.held()).length + 8));
        }
        liveBytes = live.values().stream().mapToLong(Live::bytes).sum();
        boolean torn = Files.exists(file) && good < Files.size(file);
        if (torn || !legacy.isEmpty() || (good > COMPACT_BYTES && liveBytes * 4 < good)) {
            compact();
            legacy.forEach(e -> old.remove(e.pending().messageId())); // in the journal now, synced
        } else if (Files.exists(file)) {
            out = appender();
            written = synced = good;
        }
    }

    /** Replays the journal into {@link #live}; returns the length of its whole records (with the header). */
    private long readJournal() throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (!startsWithMagic(all)) {
            Path aside = file.resolveSibling(FILE + ".unreadable");
            Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            warn.accept("the outbox journal could not be read and was set aside: " + aside);
            return 0;
        }
        long good = replay(all, live);
        if (good < all.length && wholeRecordAt(all, (int) good)) {
            // More than a record torn at the end: damage, not a crash. Keep a copy for whoever looks into it.
            Path copy = file.resolveSibling(FILE + ".damaged");
            Files.write(copy, all);
            warn.accept("the outbox journal is damaged after " + live.size() + " messages; a copy is in " + copy);
        }
        return good;
    }

    private static boolean startsWithMagic(byte[] all) {
        return all.length >= MAGIC.length && Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    /** True if a complete (but failing) record and more bytes after it lie at {@code at}: not a torn last record. */
    private static boolean wholeRecordAt(byte[] all, int at) {
        if (all.length - at < 8) {
            return false;
        }
        int length = ByteBuffer.wrap(all, at, 4).getInt();
        return length >= 0 && (long) at + 8 + length < all.length;
    }

    /** Applies each whole record after the header in order; returns where the first torn or failing one starts. */
    private static long replay(byte[] all, Map<String, Live> live) {
        if (!startsWithMagic(all)) {
            return 0;
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        b.position(MAGIC.length);
        while (b.remaining() >= 8) {
            int start = b.position();
            int length = b.getInt();
            int expected = b.getInt();
            if (length < 0 || length > b.remaining()) {
                return start;
            }
            byte[] payload = new byte[length];
            b.get(payload);
            CRC32C crc = new CRC32C();
            crc.update(payload);
            if ((int) crc.getValue() != expected) {
                return start;
            }
            try {
                apply(ByteBuffer.wrap(payload), live, length + 8);
            } catch (RuntimeException e) {
                return start; // a record the CRC passed but this version cannot read: as damaged
            }
        }
        return b.position();
    }

    private static void apply(ByteBuffer p, Map<String, Live> live, int bytes) {
        byte kind = p.get();
        String id = string(p);
        if (kind == REMOVED) {
            live.remove(id);
            return;
        }
        if (kind != QUEUED && kind != HELD) {
            throw new IllegalArgumentException("unknown record " + kind);
        }
        ChatRef to = FileSpool.recipient(string(p));
        long queuedAt = p.getLong();
        String text = string(p);
        live.put(id, new Live(new Entry(new Outbox.Pending(id, to, text, queuedAt), kind == HELD), bytes));
    }

    private static String string(ByteBuffer p) {
        byte[] bytes = new byte[p.getInt()];
        p.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Rewrites the journal with the live messages only (temp file, synced, renamed), then appends to it. */
    private void compact() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(MAGIC);
        for (Live l : live.values()) {
            all.write(frame(encode(l.entry().pending(), l.entry().held())));
        }
        PrivateFiles.createDir(dir);
        PrivateFiles.write(file, all.toByteArray());
        if (out != null) {
            out.close();
        }
        out = appender();
        written = synced = all.size();
        liveBytes = (long) all.size() - MAGIC.length;
    }

    /** Creates the journal (mode 600, in a 700 directory) with its header, synced. */
    private void start() throws IOException {
        PrivateFiles.createDir(dir);
        PrivateFiles.write(file, MAGIC);
        out = appender();
        written = synced = MAGIC.length;
    }

    private FileChannel appender() throws IOException {
        return FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private static byte[] frame(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return ByteBuffer.allocate(8 + payload.length)
                .putInt(payload.length)
                .putInt((int) crc.getValue())
                .put(payload)
                .array();
    }

    private static byte[] encode(Outbox.Pending p, boolean held) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + p.text().length());
        try (DataOutputStream d = new DataOutputStream(bytes)) {
            d.writeByte(held ? HELD : QUEUED);
            string(d, p.messageId());
            string(d, ChatIds.cryptoLabel(p.to()));
            d.writeLong(p.queuedAtMillis());
            string(d, p.text());
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    private static byte[] encodeRemoval(String messageId) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(48);
        try (DataOutputStream d = new DataOutputStream(bytes)) {
            d.writeByte(REMOVED);
            string(d, messageId);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    private static void string(DataOutputStream d, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.writeInt(b.length);
        d.write(b);
    }
}
