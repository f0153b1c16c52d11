package dev.spartan.store;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.store.proto.StoredDevices;
import dev.spartan.store.proto.StoredEvent;
import dev.spartan.store.proto.StoredGroup;
import dev.spartan.store.proto.StoredKeys;
import dev.spartan.store.proto.StoredMessage;
import dev.spartan.store.proto.StoredMessageRef;
import dev.spartan.store.proto.StoredOneTimePreKey;
import dev.spartan.store.proto.StoredPreKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node store: ordered maps in an embedded engine ({@link StoreEngine}): RocksDB under the data directory
 * ({@link #open}, {@link StoreFiles}), or MVStore in memory ({@link #inMemory}). Values are the store's own records
 * (storage.proto); lists that grow, like a conversation's history, a reader's inbox or what a pending chat holds, are
 * one entry per message under ordered keys, so adding one appends and never rewrites the others.
 *
 * <p>A message to one reader is copied into the reader's inbox; a message to several (a group's) is stored once, in
 * the history, and each reader's inbox holds a reference to it: a group of N members writes each message once, not N
 * times (each copy holding every member's ciphertext). Until its last reader acknowledges it, such a message is
 * kept: if the history drops it first, it moves to the shared messages.
 *
 * <p>{@link #atomically} and {@link #saveAsync} complete only once their writes are durable ({@link
 * StoreEngine#awaitDurable}), so what a send wrote survives a killed process before the sender hears "stored": on
 * RocksDB every write is in its write-ahead log when the call returns; on MVStore after the next group commit. Both
 * write through the OS page cache, which a killed process cannot lose.
 *
 * <p>A write that fails (disk full, file gone read-only, out of memory) stops the store: from then on every call
 * throws {@link StoreUnavailableException}, and the listener given to {@link #onFatal} hears it once, so the node can
 * stop and be restarted on what was written.
 */
public final class EmbeddedStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStore.class);
    private static final int STRIPES = 64;
    static final String FILE = "spartan.mv";

    private final StoreEngine engine;
    private final StoreMap<String, String> meta;
    private final StoreMap<String, byte[]> keys;
    private final StoreMap<String, String> pairs;
    private final StoreMap<String, byte[]> held;
    private final StoreMap<String, Long> counters;
    private final StoreMap<String, byte[]> history;
    private final StoreMap<String, byte[]> inbox;
    private final StoreMap<String, Long> acked;
    private final StoreMap<String, Long> chatAcked;
    private final StoreMap<String, byte[]> groups;
    private final StoreMap<String, Boolean> memberships;
    /** Messages to several readers that the history dropped before every reader acknowledged them. */
    private final StoreMap<String, byte[]> shared;
    /** For each message to several readers, keyed like the history: how many readers have not acknowledged it. */
    private final StoreMap<String, Long> unread;

    private final Object unreadLock = new Object();
    /** Per conversation, the number below which its history holds nothing (since this start); see trimHistory. */
    private final Map<String, Long> trimmedBelow = new java.util.concurrent.ConcurrentHashMap<>();

    private final SentIds sent;
    private final String epoch;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final Object counterLock = new Object();
    private final Object preKeyLock = new Object();
    private final Object keyLogLock = new Object();
    private final Object linksLock = new Object();
    private final Stopped stopped = new Stopped();

    EmbeddedStore(StoreEngine engine) {
        this.engine = engine;
        this.meta = engine.openMap("meta");
        this.keys = engine.openMap("keys");
        this.pairs = engine.openMap("pairs");
        this.held = engine.openMap("held-messages");
        this.counters = engine.openMap("counters");
        this.history = engine.openMap("chat-log");
        this.inbox = engine.openMap("inbox");
        this.acked = engine.openMap("acked");
        this.chatAcked = engine.openMap("chat-acked");
        this.groups = engine.openMap("groups");
        this.memberships = engine.openMap("memberships");
        this.shared = engine.openMap("shared-messages");
        this.unread = engine.openMap("unread-counts");
        this.sent = new SentIds(engine, new StoreClock(meta, System::nanoTime)::millis);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
        engine.upgradeLayout();
        meta.putIfAbsent("epoch", UUID.randomUUID().toString());
        this.epoch = meta.get("epoch");
        engine.commit();
    }

    /**
     * Opens (or creates) the store in {@code dataDir} ({@link StoreFiles}); a store file of the previous layout
     * ({@value #FILE}) is upgraded in place first.
     *
     * @throws StoreOpenException with one line for the operator if the directory cannot be written, or the store is
     *     in use or damaged
     */
    public static EmbeddedStore open(Path dataDir) {
        requireWritable(dataDir);
        RocksEngine engine = StoreFiles.open(dataDir);
        EmbeddedStore store =
                opened(engine, dataDir.resolve(StoreFiles.STORE_DIR).toString());
        engine.flushEverySecond(store::fail);
        return store;
    }

    /**
     * A store in one MVStore file, as the previous layout kept it; for {@code StoreEnginesMeasurement}.
     *
     * @param inlineCommits true: without MVStore's background writer (see {@link GroupCommit#housekeeping}); false:
     *     with it
     */
    static EmbeddedStore openMvFile(Path dataDir, boolean inlineCommits) {
        requireWritable(dataDir);
        Path file = dataDir.resolve(FILE);
        MvStoreEngine engine;
        try {
            engine = MvStoreEngine.openFile(file, inlineCommits);
        } catch (MVStoreException e) {
            throw new StoreOpenException(StoreFiles.damaged(file, e), e);
        }
        EmbeddedStore store = opened(engine, file.toString());
        engine.onFailure(store::fail);
        return store;
    }

    private static EmbeddedStore opened(StoreEngine engine, String where) {
        try {
            return new EmbeddedStore(engine);
        } catch (StoreOpenException e) {
            engine.closeImmediately(); // a newer layout: untouched
            throw e;
        } catch (StoreEngine.Failure | MVStoreException | CorruptStoreException e) {
            engine.closeImmediately();
            throw new StoreOpenException(
                    "the store " + where + " is damaged (" + describe(e) + "): restore it from a backup, or move it"
                            + " away to start with an empty store",
                    e);
        }
    }

    /**
     * Makes {@code dataDir} if it is missing, and checks that the node can write there: it keeps its store (or, in
     * Redis mode, the id of the store it serves), its TLS key and its admin token in it.
     *
     * @throws StoreOpenException with one line for the operator if it cannot be made or written
     */
    public static void requireWritable(Path dataDir) {
        Objects.requireNonNull(dataDir, "dataDir");
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StoreOpenException("cannot create the data directory " + dataDir + ": " + describe(e), e);
        }
        if (!Files.isWritable(dataDir)) {
            throw readOnly(dataDir);
        }
    }

    private static StoreOpenException readOnly(Path dataDir) {
        return new StoreOpenException(
                "the data directory " + dataDir + " is read-only: the node must write there (make it writable, or"
                        + " pass another --data)",
                null);
    }

    /** A store that lives in memory only, for unit tests and the benchmark's baseline. */
    public static EmbeddedStore inMemory() {
        return new EmbeddedStore(MvStoreEngine.inMemory());
    }

    @Override
    public void onFatal(Consumer<String> listener) {
        stopped.onFatal(listener);
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public <T> T atomically(String lockKey, Supplier<T> work) {
        return guarded(() -> {
            ReentrantLock lock = stripes[Math.floorMod(lockKey.hashCode(), STRIPES)];
            T result;
            lock.lock();
            try {
                result = work.get();
            } finally {
                lock.unlock();
            }
            engine.awaitDurable();
            return result;
        });
    }

    /**
     * Runs one operation on MVStore. A failure of MVStore itself, or memory running out while it works, means the
     * file can no longer be trusted to take writes: the store stops and says so.
     */
    private <T> T guarded(Supplier<T> op) {
        stopped.check();
        try {
            return op.get();
        } catch (MVStoreException | StoreEngine.Failure | OutOfMemoryError e) {
            throw fail(e);
        }
    }

    private void guardedRun(Runnable op) {
        guarded(() -> {
            op.run();
            return null;
        });
    }

    private StoreUnavailableException fail(Throwable cause) {
        // MVStore has closed itself if it failed (it "panics"); closing it here could wait on the very writer thread
        // that reports the failure. From now on the stop keeps every call away from it.
        return stopped.stop("the embedded store stopped: " + describe(cause), cause);
    }

    static String describe(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return "out of memory";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message =
                root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return message.lines().findFirst().orElse(message);
    }

    /**
     * Writes under the conversation's lock now, and completes from the next group commit: the caller's thread never
     * waits for the file. A save that wrote nothing completes at once.
     */
    @Override
    public CompletableFuture<SaveResult> saveAsync(NewMessage m) {
        SaveResult result = guarded(() -> {
            ReentrantLock lock = stripes[Math.floorMod(m.lockKey().hashCode(), STRIPES)];
            lock.lock();
            try {
                return write(m);
            } finally {
                lock.unlock();
            }
        });
        if (result.outcome() == SaveResult.Outcome.REFUSED || result.outcome() == SaveResult.Outcome.HOLD_FULL) {
            return CompletableFuture.completedFuture(result);
        }
        return engine.durable().handle((ok, failure) -> {
            if (failure != null) {
                throw failure instanceof StoreUnavailableException s ? s : fail(failure);
            }
            return result;
        });
    }

    private SaveResult write(NewMessage m) {
        Long before = sent.get(m.sentKey());
        if (before != null) {
            return SaveResult.of(SaveResult.Outcome.DUPLICATE, before);
        }
        String current = guardedValue(m.guard());
        Guard.Verdict verdict = m.guard().decide(current);
        if (verdict == Guard.Verdict.REFUSE) {
            return SaveResult.refused(current);
        }
        String pair = m.guard().field();
        StoredMessage unnumbered = Records.storedMessage(m.message(), m.chatKey());
        if (verdict == Guard.Verdict.HOLD
                && !m.holdLimit()
                        .admits(
                                counters.getOrDefault(heldCount(pair), 0L),
                                counters.getOrDefault(heldBytes(pair), 0L),
                                unnumbered.getSerializedSize())) {
            return SaveResult.of(SaveResult.Outcome.HOLD_FULL, 0);
        }
        long seq = increment("chat\0" + m.chatKey(), 1);
        StoredMessage record = unnumbered.toBuilder().setChatSeq(seq).build();
        byte[] bytes = record.toByteArray();
        history.put(entryKey(m.chatKey(), seq), bytes);
        trimHistory(m.chatKey(), seq - m.keepHistory());
        if (verdict == Guard.Verdict.HOLD) {
            held.put(entryKey(pair, seq), bytes);
            increment(heldCount(pair), 1);
            increment(heldBytes(pair), unnumbered.getSerializedSize());
            sent.put(m.sentKey(), seq);
            return SaveResult.of(SaveResult.Outcome.HELD, seq);
        }
        byte[] event;
        if (m.recipients().size() > 1) {
            unread.put(entryKey(m.chatKey(), seq), (long) m.recipients().size());
            event = StoredEvent.newBuilder()
                    .setRecordVersion(Layout.RECORD_VERSION)
                    .setMessageRef(StoredMessageRef.newBuilder()
                            .setChatKey(m.chatKey())
                            .setChatSeq(seq))
                    .build()
                    .toByteArray();
        } else {
            event = StoredEvent.newBuilder()
                    .setRecordVersion(Layout.RECORD_VERSION)
                    .setMessage(record)
                    .build()
                    .toByteArray();
        }
        List<Long> inboxSeqs = new ArrayList<>(m.recipients().size());
        for (String user : m.recipients()) {
            inboxSeqs.add(append(user, event));
        }
        sent.put(m.sentKey(), seq);
        return SaveResult.delivered(seq, inboxSeqs);
    }

    private String guardedValue(Guard guard) {
        return switch (guard.table()) {
            case PAIRS -> Objects.requireNonNullElse(pairs.get(guard.field()), "");
            case GROUP_VERSIONS -> Guard.encodeVersion(groupVersion(guard.field()));
        };
    }

    /** Drops the entries of a conversation's history numbered up to {@code upTo}: usually one, the oldest. */
    private void trimHistory(String chatKey, long upTo) {
        if (upTo < 1) {
            return;
        }
        // From where the last trim of this conversation ended, not from its first number: in a log-structured engine
        // the trimmed entries stay behind as deletion marks until compaction, and a scan from 0 would step over every
        // one of them at each send. Nothing below that point comes back (numbers only grow), so none is skipped.
        long from = trimmedBelow.getOrDefault(chatKey, 0L);
        keysBetween(history, chatKey, from, upTo, Integer.MAX_VALUE).forEach(this::dropFromHistory);
        trimmedBelow.put(chatKey, Math.max(from, upTo + 1));
    }

    /**
     * Takes one entry out of the history; a message that a reader's inbox still refers to moves to the shared
     * messages first, so that a reader looking it up meanwhile finds it in one or the other.
     */
    private void dropFromHistory(String key) {
        byte[] message = history.get(key);
        if (message == null) {
            return;
        }
        synchronized (unreadLock) {
            if (unread.containsKey(key)) {
                shared.put(key, message);
            }
        }
        history.remove(key);
    }

    /** A message that inboxes refer to, from the history or the shared messages; null if neither has it. */
    private StoredMessage referenced(StoredMessageRef ref) {
        String key = entryKey(ref.getChatKey(), ref.getChatSeq());
        byte[] b = history.get(key);
        if (b == null) {
            b = shared.get(key);
        }
        return b == null ? null : Records.parse(StoredMessage::parseFrom, b);
    }

    /** One reader acknowledged a message to several: the last one lets it go from the shared messages. */
    private void readBy(StoredMessageRef ref) {
        String key = entryKey(ref.getChatKey(), ref.getChatSeq());
        synchronized (unreadLock) {
            Long left = unread.get(key);
            if (left == null) {
                return;
            }
            if (left > 1) {
                unread.put(key, left - 1);
            } else {
                unread.remove(key);
                shared.remove(key);
            }
        }
    }

    /** Messages to several readers not yet acknowledged by all, and of those the ones the history no longer has. */
    long[] unreadShared() {
        return guarded(() -> new long[] {unread.size(), shared.size()});
    }

    /** Every key and value of every map, as text (bytes as ISO-8859-1); for tests that look for a name anywhere. */
    String dump() {
        return guarded(() -> {
            StringBuilder out = new StringBuilder();
            for (String name : engine.mapNames()) {
                StoreMap<Object, Object> map = engine.openMap(name);
                map.forEach((k, v) -> out.append(name)
                        .append(' ')
                        .append(text(k))
                        .append(" = ")
                        .append(text(v))
                        .append('\n'));
            }
            return out.toString();
        });
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.ISO_8859_1) : String.valueOf(o);
    }

    /** The store's size on disk, after a commit; for tests. */
    long fileBytes() {
        return guarded(engine::diskBytes);
    }

    @Override
    public Optional<PublicKeys> keys(String user) {
        return guarded(() -> {
            byte[] b = keys.get(user);
            return b == null
                    ? Optional.empty()
                    : Optional.of(Records.publicKeys(Records.parse(StoredKeys::parseFrom, b)));
        });
    }

    @Override
    public PublicKeys pinKeys(String user, PublicKeys k) {
        return guarded(() -> {
            byte[] existing = keys.putIfAbsent(user, Records.storedKeys(k).toByteArray());
            engine.awaitDurable();
            return existing == null ? k : Records.publicKeys(Records.parse(StoredKeys::parseFrom, existing));
        });
    }

    @Override
    public PairState pairState(String pairKey) {
        return guarded(() -> PairState.decode(pairs.get(pairKey)));
    }

    @Override
    public void setPairState(String pairKey, PairState state) {
        guardedRun(() -> pairs.put(pairKey, state.encode()));
    }

    @Override
    public List<Event> releaseHeld(String pairKey, String recipient) {
        return guarded(() -> {
            List<Event> out = new ArrayList<>();
            for (StoredMessage m : takeHeld(pairKey)) {
                byte[] event = StoredEvent.newBuilder()
                        .setRecordVersion(Layout.RECORD_VERSION)
                        .setMessage(m)
                        .build()
                        .toByteArray();
                long seq = append(recipient, event);
                Records.heldReaders(m, recipient).stream().skip(1).forEach(device -> append(device, event));
                out.add(Event.newBuilder()
                        .setSeq(seq)
                        .setMessage(Records.chatMessage(m))
                        .build());
            }
            return out;
        });
    }

    @Override
    public List<ChatMessage> dropHeld(String pairKey) {
        return guarded(() -> {
            List<ChatMessage> out = new ArrayList<>();
            for (StoredMessage m : takeHeld(pairKey)) {
                dropFromHistory(entryKey(m.getChatKey(), m.getChatSeq()));
                out.add(Records.chatMessage(m));
            }
            return out;
        });
    }

    private List<StoredMessage> takeHeld(String pairKey) {
        List<StoredMessage> out = new ArrayList<>();
        for (String key : keysOf(held, pairKey)) {
            out.add(Records.parse(StoredMessage::parseFrom, held.remove(key)));
        }
        counters.remove(heldCount(pairKey));
        counters.remove(heldBytes(pairKey));
        return out;
    }

    @Override
    public List<ChatMessage> held(String pairKey) {
        return guarded(() -> {
            List<ChatMessage> out = new ArrayList<>();
            for (String key : keysOf(held, pairKey)) {
                out.add(Records.chatMessage(Records.parse(StoredMessage::parseFrom, held.get(key))));
            }
            return out;
        });
    }

    @Override
    public List<ChatMessage> history(String chatKey, long beforeSeq, int limit) {
        return guarded(() -> {
            List<ChatMessage> out = new ArrayList<>();
            String prefix = chatKey + "\0";
            String below = beforeSeq > 0 ? entryKey(chatKey, beforeSeq) : chatKey + "\1";
            for (String key : history.keysBefore(below, k -> k.startsWith(prefix), limit)) {
                byte[] b = history.get(key);
                if (b != null) {
                    out.add(Records.chatMessage(Records.parse(StoredMessage::parseFrom, b)));
                }
            }
            Collections.reverse(out);
            return out;
        });
    }

    @Override
    public void deleteHistory(String chatKey) {
        guardedRun(() -> {
            keysOf(history, chatKey).forEach(this::dropFromHistory);
        });
    }

    @Override
    public long appendEvent(String user, Event event) {
        return guarded(() -> append(user, Records.storedEvent(event).toByteArray()));
    }

    private long append(String user, byte[] event) {
        synchronized (counterLock) {
            long seq = increment("inbox\0" + user, 1);
            inbox.put(entryKey(user, seq), event);
            return seq;
        }
    }

    @Override
    public List<Event> eventsAfter(String user, long afterSeq, int limit) {
        return guarded(() -> {
            List<Event> out = new ArrayList<>();
            if (afterSeq == Long.MAX_VALUE) {
                return out;
            }
            for (String key : keysBetween(inbox, user, afterSeq + 1, Long.MAX_VALUE, limit)) {
                byte[] value = inbox.get(key);
                if (value == null) {
                    continue;
                }
                StoredEvent e = Records.parse(StoredEvent::parseFrom, value);
                if (e.hasMessageRef()) {
                    StoredMessage m = referenced(e.getMessageRef());
                    if (m == null) {
                        // Cannot happen while the rules above hold; if it did, the events after it still go out.
                        LOG.error("an inbox entry refers to a message that is gone: {}", e.getMessageRef());
                        continue;
                    }
                    e = StoredEvent.newBuilder().setMessage(m).build();
                }
                out.add(Records.event(e, seqOf(key)));
            }
            return out;
        });
    }

    @Override
    public long lastSeq(String user) {
        return guarded(() -> counters.getOrDefault("inbox\0" + user, 0L));
    }

    @Override
    public boolean ack(String user, long seq) {
        return guarded(() -> {
            synchronized (counterLock) {
                if (seq < 0 || seq > counters.getOrDefault("inbox\0" + user, 0L)) {
                    return false;
                }
            }
            long from = acked.getOrDefault(user, 0L);
            if (seq <= from) {
                return true;
            }
            for (String key : keysBetween(inbox, user, from + 1, seq, Integer.MAX_VALUE)) {
                byte[] value = inbox.remove(key);
                StoredEvent e = value == null ? null : Records.parse(StoredEvent::parseFrom, value);
                if (e != null && e.hasMessageRef()) {
                    StoredMessageRef ref = e.getMessageRef();
                    chatAcked.merge(user + "\0" + ref.getChatKey(), ref.getChatSeq(), Math::max);
                    readBy(ref);
                } else if (e != null
                        && e.hasMessage()
                        && !e.getMessage().getChatKey().isEmpty()) {
                    chatAcked.merge(
                            user + "\0" + e.getMessage().getChatKey(),
                            e.getMessage().getChatSeq(),
                            Math::max);
                }
            }
            acked.merge(user, seq, Math::max);
            return true;
        });
    }

    @Override
    public long lastAcked(String user) {
        return guarded(() -> acked.getOrDefault(user, 0L));
    }

    @Override
    public long acknowledgedChatSeq(String user, String chatKey) {
        return guarded(() -> chatAcked.getOrDefault(user + "\0" + chatKey, 0L));
    }

    @Override
    public Optional<RuntimeGroup> runtimeGroup(String name) {
        return guarded(() -> {
            byte[] b = groups.get(name);
            return b == null
                    ? Optional.empty()
                    : Optional.of(Records.runtimeGroup(Records.parse(StoredGroup::parseFrom, b)));
        });
    }

    @Override
    public List<RuntimeGroup> groupsOf(String user) {
        return guarded(() -> {
            List<RuntimeGroup> out = new ArrayList<>();
            String prefix = user + "\0";
            for (String key : memberships.keysFrom(prefix, k -> k.startsWith(prefix), Integer.MAX_VALUE)) {
                byte[] b = groups.get(key.substring(prefix.length()));
                if (b != null) {
                    out.add(Records.runtimeGroup(Records.parse(StoredGroup::parseFrom, b)));
                }
            }
            return out;
        });
    }

    @Override
    public RuntimeGroup putGroup(
            String name, List<String> members, List<RuntimeGroup.Signed> chain, Map<String, Long> invited) {
        return guarded(() -> {
            byte[] old = groups.get(name);
            StoredGroup before = old == null ? null : Records.parse(StoredGroup::parseFrom, old);
            long version = increment("group\0" + name, 1);
            long generation = before != null ? before.getGeneration() : version;
            StoredGroup after = Records.storedGroup(name, members, generation, chain, invited);
            groups.put(name, after.toByteArray());
            indexMembers(name, before == null ? List.of() : before.getMembersList(), members);
            return Records.runtimeGroup(after);
        });
    }

    @Override
    public void deleteGroup(String name) {
        guardedRun(() -> {
            byte[] old = groups.remove(name);
            if (old != null) {
                indexMembers(name, Records.parse(StoredGroup::parseFrom, old).getMembersList(), List.of());
            }
            increment("group\0" + name, 1);
        });
    }

    void indexMembers(String group, List<String> before, List<String> after) {
        Set<String> gone = new HashSet<>(before);
        after.forEach(gone::remove);
        gone.forEach(user -> memberships.remove(user + "\0" + group));
        after.forEach(user -> memberships.put(user + "\0" + group, Boolean.TRUE));
    }

    @Override
    public long groupVersion(String name) {
        return guarded(() -> counters.getOrDefault("group\0" + name, 0L));
    }

    // Maps of the enrollment methods, opened by name (MVStore returns the open map) to keep them out of the hot path.

    @Override
    public void appendKeyLogEntry(byte[] entry) {
        guardedRun(() -> {
            StoreMap<Long, byte[]> log = engine.openMap("key-log");
            synchronized (keyLogLock) {
                // Entries are numbered 0, 1, ...: the next one follows the last (size() may count every entry).
                List<Long> last = log.keysBefore(Long.MAX_VALUE, k -> true, 1);
                log.put(
                        last.isEmpty() ? 0 : last.get(0) + 1,
                        Records.storedKeyLogEntry(entry).toByteArray());
            }
            engine.awaitDurable();
        });
    }

    @Override
    public List<byte[]> keyLogEntries(long from) {
        return guarded(() -> {
            StoreMap<Long, byte[]> log = engine.openMap("key-log");
            List<byte[]> out = new ArrayList<>();
            // A seek to the first entry not yet seen: every login and key log request asks, mostly for none.
            for (long i : log.keysFrom(from, k -> true, Integer.MAX_VALUE)) {
                out.add(Records.keyLogEntry(log.get(i)));
            }
            return out;
        });
    }

    @Override
    public byte[] keyLogKey(byte[] candidate) {
        return guarded(() -> {
            String b64 = java.util.Base64.getEncoder().encodeToString(candidate);
            String held = meta.putIfAbsent("key-log-key", b64);
            if (held == null) {
                engine.awaitDurable();
            }
            return java.util.Base64.getDecoder().decode(held == null ? b64 : held);
        });
    }

    @Override
    public void dropKeys(String user) {
        guardedRun(() -> {
            keys.remove(user);
            synchronized (preKeyLock) {
                engine.<String, byte[]>openMap("signed-prekeys").remove(user);
                StoreMap<String, byte[]> stock = engine.openMap("one-time-prekeys");
                keysOf(stock, user).forEach(stock::remove);
            }
            engine.awaitDurable();
        });
    }

    @Override
    public void putSignedPreKeys(String user, int registrationId, SignedPreKey signed, SignedPreKey kyber) {
        byte[] record = Records.storedPreKeys(registrationId, signed, kyber).toByteArray();
        guardedRun(() -> {
            engine.<String, byte[]>openMap("signed-prekeys").put(user, record);
            engine.awaitDurable();
        });
    }

    @Override
    public Optional<PreKeyBundle> signedPreKeys(String user) {
        return guarded(() -> Optional.ofNullable(
                        engine.<String, byte[]>openMap("signed-prekeys").get(user))
                .map(b -> Records.preKeyBundle(user, Records.parse(StoredPreKeys::parseFrom, b))));
    }

    @Override
    public int addOneTimePreKeys(String user, List<OneTimePreKey> add, int max) {
        return guarded(() -> {
            int size;
            synchronized (preKeyLock) {
                StoreMap<String, byte[]> stock = engine.openMap("one-time-prekeys");
                int held = keysOf(stock, user).size();
                if (held + add.size() > max) {
                    return -1;
                }
                long last = increment("prekey\0" + user, add.size());
                long seq = last - add.size();
                for (OneTimePreKey k : add) {
                    stock.put(entryKey(user, ++seq), Records.storedOneTime(k).toByteArray());
                }
                size = held + add.size();
            }
            engine.awaitDurable();
            return size;
        });
    }

    @Override
    public Optional<OneTimePreKey> takeOneTimePreKey(String user) {
        return guarded(() -> {
            byte[] taken = null;
            synchronized (preKeyLock) {
                StoreMap<String, byte[]> stock = engine.openMap("one-time-prekeys");
                List<String> first = keysBetween(stock, user, 0, Long.MAX_VALUE, 1);
                if (!first.isEmpty()) {
                    taken = stock.remove(first.get(0));
                }
            }
            if (taken == null) {
                return Optional.<OneTimePreKey>empty();
            }
            engine.awaitDurable();
            return Optional.of(Records.oneTime(Records.parse(StoredOneTimePreKey::parseFrom, taken)));
        });
    }

    @Override
    public int oneTimePreKeyCount(String user) {
        return guarded(() -> {
            synchronized (preKeyLock) {
                return keysOf(engine.openMap("one-time-prekeys"), user).size();
            }
        });
    }

    @Override
    public void putInvite(String user, Invite invite) {
        guardedRun(() -> {
            engine.<String, byte[]>openMap("invites").put(user, invite.encode());
            engine.awaitDurable();
        });
    }

    @Override
    public Optional<Invite> invite(String user) {
        return guarded(() -> Optional.ofNullable(
                        engine.<String, byte[]>openMap("invites").get(user))
                .map(Invite::decode));
    }

    @Override
    public void deleteInvite(String user) {
        guardedRun(() -> {
            engine.<String, byte[]>openMap("invites").remove(user);
            engine.awaitDurable();
        });
    }

    @Override
    public void recordLogin(String user, long atMillis) {
        // Committed with the next commit; losing it is harmless.
        guardedRun(() -> engine.<String, Long>openMap("logins").put(user, atMillis));
    }

    @Override
    public OptionalLong lastLogin(String user) {
        Long at = guarded(() -> engine.<String, Long>openMap("logins").get(user));
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    // Devices and links: rare writes, in maps opened by name like the enrollment ones.

    @Override
    public List<Device> devices(String user) {
        return guarded(() -> DeviceRecords.devices(DeviceRecords.parseDevices(
                engine.<String, byte[]>openMap("devices").get(user))));
    }

    @Override
    public Device addDevice(String user, String name, byte[] key, long createdMillis) {
        return guarded(() -> {
            StoreMap<String, byte[]> devices = engine.openMap("devices");
            StoredDevices after =
                    DeviceRecords.withDevice(DeviceRecords.parseDevices(devices.get(user)), name, key, createdMillis);
            devices.put(user, after.toByteArray());
            engine.awaitDurable();
            return DeviceRecords.last(after);
        });
    }

    @Override
    public boolean removeDevice(String user, int id) {
        return guarded(() -> {
            StoreMap<String, byte[]> devices = engine.openMap("devices");
            StoredDevices after = DeviceRecords.without(DeviceRecords.parseDevices(devices.get(user)), id);
            if (after == null) {
                return false;
            }
            devices.put(user, after.toByteArray());
            engine.awaitDurable();
            return true;
        });
    }

    @Override
    public void dropDevices(String user) {
        guardedRun(() -> {
            // The next id stays: a device linked after a reset never gets an id an old one had.
            StoreMap<String, byte[]> devices = engine.openMap("devices");
            StoredDevices before = DeviceRecords.parseDevices(devices.get(user));
            devices.put(user, before.toBuilder().clearDevices().build().toByteArray());
            engine.awaitDurable();
        });
    }

    @Override
    public boolean putLinkIfAbsent(byte[] slot, PendingLink link, long nowMillis) {
        return guarded(() -> {
            StoreMap<String, byte[]> links = engine.openMap("links");
            synchronized (linksLock) {
                byte[] there = links.get(DeviceRecords.slotKey(slot));
                if (there != null && DeviceRecords.link(there).expiresMillis() > nowMillis) {
                    return false;
                }
                // Expired links go when new ones come, so the map holds no more than the links of the last minutes.
                List<String> expired = new ArrayList<>();
                links.forEach((k, v) -> {
                    if (DeviceRecords.link(v).expiresMillis() <= nowMillis) {
                        expired.add(k);
                    }
                });
                expired.forEach(links::remove);
                links.put(DeviceRecords.slotKey(slot), DeviceRecords.link(link));
            }
            engine.awaitDurable();
            return true;
        });
    }

    @Override
    public Optional<PendingLink> link(byte[] slot, long nowMillis) {
        return guarded(() -> Optional.ofNullable(
                        engine.<String, byte[]>openMap("links").get(DeviceRecords.slotKey(slot)))
                .map(DeviceRecords::link)
                .filter(l -> l.expiresMillis() > nowMillis));
    }

    @Override
    public void answerLink(byte[] slot, PendingLink answered) {
        guardedRun(() -> {
            engine.<String, byte[]>openMap("links").put(DeviceRecords.slotKey(slot), DeviceRecords.link(answered));
            engine.awaitDurable();
        });
    }

    @Override
    public void ping() {
        guardedRun(() -> {
            if (engine.isClosed()) {
                // MVStore closes itself after a write fails ("panic"), so this also catches a full or broken disk.
                throw new StoreUnavailableException("the embedded store is closed", null);
            }
        });
    }

    @Override
    public List<Expired> sweep(Cutoffs cutoffs) {
        return guarded(() -> {
            Expired.Collector expired = new Expired.Collector();
            if (cutoffs.sweeps(cutoffs.undelivered())) {
                for (String key : inbox.keys()) {
                    StoredMessage m = inboxMessage(inbox.get(key));
                    if (m == null) {
                        continue;
                    }
                    boolean chosen = chosen(cutoffs, m);
                    if (chosen || Cutoffs.expired(m.getSentAtMillis(), cutoffs.undelivered())) {
                        removeFromInbox(key)
                                .filter(gone -> !chosen)
                                .ifPresent(gone ->
                                        expired.add(m.getSender(), Records.chatRef(m.getChat()), m.getMessageId()));
                    }
                }
            }
            if (cutoffs.sweeps(cutoffs.held())) {
                for (String key : held.keys()) {
                    String pair = key.substring(0, key.lastIndexOf('\0'));
                    withStripe(pair, () -> {
                        byte[] b = held.get(key);
                        StoredMessage m = b == null ? null : Records.parse(StoredMessage::parseFrom, b);
                        if (m != null && chosen(cutoffs, m)) {
                            dropHeldEntry(pair, key, m);
                        } else if (m != null && Cutoffs.expired(m.getSentAtMillis(), cutoffs.held())) {
                            dropHeldEntry(pair, key, m);
                            expired.add(m.getSender(), Records.chatRef(m.getChat()), m.getMessageId());
                        }
                    });
                }
            }
            if (cutoffs.sweeps(cutoffs.history())) {
                for (String key : history.keys()) {
                    byte[] b = history.get(key);
                    StoredMessage m = b == null ? null : Records.parse(StoredMessage::parseFrom, b);
                    if (m != null && (chosen(cutoffs, m) || Cutoffs.expired(m.getSentAtMillis(), cutoffs.history()))) {
                        dropFromHistory(key);
                    }
                }
            }
            engine.awaitDurable();
            return expired.result();
        });
    }

    private static boolean chosen(Cutoffs cutoffs, StoredMessage m) {
        return cutoffs.chosen(m.getSender(), m.getMessageId(), m.getExpiresAtMillis());
    }

    /** The message an inbox entry is or refers to; null for other events. */
    private StoredMessage inboxMessage(byte[] value) {
        if (value == null) {
            return null;
        }
        StoredEvent e = Records.parse(StoredEvent::parseFrom, value);
        if (e.hasMessageRef()) {
            return referenced(e.getMessageRef());
        }
        return e.hasMessage() ? e.getMessage() : null;
    }

    /** Removes one inbox entry (an acknowledgement may have beaten us to it: then empty). */
    private Optional<StoredEvent> removeFromInbox(String key) {
        byte[] value = inbox.remove(key);
        if (value == null) {
            return Optional.empty();
        }
        StoredEvent e = Records.parse(StoredEvent::parseFrom, value);
        if (e.hasMessageRef()) {
            readBy(e.getMessageRef());
        }
        return Optional.of(e);
    }

    private void dropHeldEntry(String pair, String key, StoredMessage m) {
        if (held.remove(key) == null) {
            return;
        }
        long count = counters.getOrDefault(heldCount(pair), 0L) - 1;
        long bytes = counters.getOrDefault(heldBytes(pair), 0L)
                - m.toBuilder().clearChatSeq().build().getSerializedSize();
        counters.put(heldCount(pair), Math.max(0, count));
        counters.put(heldBytes(pair), Math.max(0, bytes));
        dropFromHistory(entryKey(m.getChatKey(), m.getChatSeq()));
    }

    private void withStripe(String lockKey, Runnable work) {
        ReentrantLock lock = stripes[Math.floorMod(lockKey.hashCode(), STRIPES)];
        lock.lock();
        try {
            work.run();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void purge(String user) {
        guardedRun(() -> {
            UserRecords mine = new UserRecords(user);
            keys.remove(user);
            acked.remove(user);
            for (String map : List.of("signed-prekeys", "invites", "logins")) {
                engine.openMap(map).remove(user);
            }
            for (String key : inbox.keys()) {
                if (mine.owns(key)
                        || mine.namedIn(Records.parse(StoredEvent::parseFrom, inbox.get(key)), this::referenced)) {
                    removeFromInbox(key);
                }
            }
            for (String name : List.of("one-time-prekeys", "memberships")) {
                StoreMap<String, ?> map = engine.openMap(name);
                map.keys().stream().filter(mine::owns).forEach(map::remove);
            }
            pairs.keys().stream().filter(mine::inPair).forEach(pairs::remove);
            held.keys().stream()
                    .filter(k -> mine.inPair(k.substring(0, k.lastIndexOf('\0'))))
                    .forEach(held::remove);
            for (String key : history.keys()) {
                StoredMessage m = Records.parse(StoredMessage::parseFrom, history.get(key));
                if (mine.inChat(m.getChatKey()) || m.getSender().equals(user)) {
                    dropFromHistory(key);
                }
            }
            for (String key : shared.keys()) {
                StoredMessage m = Records.parse(StoredMessage::parseFrom, shared.get(key));
                if (mine.inChat(m.getChatKey()) || m.getSender().equals(user)) {
                    shared.remove(key);
                    unread.remove(key);
                }
            }
            chatAcked.keys().stream()
                    .filter(k -> mine.owns(k) || mine.inChat(k.substring(k.indexOf('\0') + 1)))
                    .forEach(chatAcked::remove);
            counters.keys().stream().filter(mine::counter).forEach(counters::remove);
            trimmedBelow.clear(); // her conversations' numbers start again at 1
            for (String name : engine.mapNames()) {
                if (name.startsWith(SentIds.PREFIX)) {
                    StoreMap<String, Long> ids = engine.openMap(name);
                    ids.keys().stream().filter(k -> k.startsWith(user + ":")).forEach(ids::remove);
                }
            }
            for (String name : groups.keys()) {
                StoredGroup g = Records.parse(StoredGroup::parseFrom, groups.get(name));
                if (g.getMembersList().contains(user) || mine.signedIn(g)) {
                    groups.remove(name);
                    indexMembers(name, g.getMembersList(), List.of());
                }
            }
            engine.awaitDurable();
        });
    }

    /**
     * The engine's online copy ({@link StoreEngine#backup}): everything acknowledged before the call is in it, and it
     * opens as the store was at one instant.
     */
    @Override
    public void backup(Path zipFile) {
        guardedRun(() -> engine.backup(zipFile));
    }

    /** Whether every change is committed (none waits for the next commit); for tests. */
    boolean allCommitted() {
        return guarded(() -> !engine.hasUnsavedChanges());
    }

    /** Stops as a killed process would: the file keeps what the last commit wrote, nothing later. For tests. */
    void closeWithoutCommit() {
        engine.closeImmediately();
    }

    @Override
    public void close() {
        engine.close();
    }

    private long increment(String counter, long by) {
        synchronized (counterLock) {
            long next = counters.getOrDefault(counter, 0L) + by;
            counters.put(counter, next);
            return next;
        }
    }

    private static String heldCount(String pair) {
        return "heldcount\0" + pair;
    }

    private static String heldBytes(String pair) {
        return "heldbytes\0" + pair;
    }

    /** Zero-padded so that the map's string order is the numeric order. */
    static String entryKey(String owner, long seq) {
        // Zero-padded to 19 digits so that keys sort by number; by hand because String.format is costly per write.
        String digits = Long.toString(seq);
        StringBuilder key = new StringBuilder(owner.length() + 20).append(owner).append('\0');
        for (int i = digits.length(); i < 19; i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    private static long seqOf(String entryKey) {
        return Long.parseLong(entryKey.substring(entryKey.lastIndexOf('\0') + 1));
    }

    /** The keys of all of {@code owner}'s entries, in order; a snapshot, safe to change the map while using it. */
    private static List<String> keysOf(StoreMap<String, ?> map, String owner) {
        return keysBetween(map, owner, 0, Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** The keys of {@code owner}'s entries numbered {@code fromSeq} to {@code toSeq}, at most {@code max}, in order. */
    private static List<String> keysBetween(StoreMap<String, ?> map, String owner, long fromSeq, long toSeq, int max) {
        if (fromSeq > toSeq) {
            return new ArrayList<>();
        }
        String prefix = owner + "\0";
        String last = entryKey(owner, toSeq);
        return map.keysFrom(entryKey(owner, fromSeq), k -> k.startsWith(prefix) && k.compareTo(last) <= 0, max);
    }
}
