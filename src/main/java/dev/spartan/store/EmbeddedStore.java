package dev.spartan.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.HistoryResponse;
import dev.spartan.proto.PublicKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The single-node store: H2's MVStore, an embedded log-structured key-value engine, in one file under the data
 * directory. Values are the protobuf encodings of the wire types, so nothing is converted twice. {@link #atomically}
 * commits before it returns, so what a send wrote is in the file (through the OS page cache, which a killed process
 * cannot lose) before the sender hears "stored".
 */
public final class EmbeddedStore implements MessageStore {
    private static final int STRIPES = 64;

    private final MVStore mv;
    private final MVMap<String, byte[]> keys;
    private final MVMap<String, String> pairs;
    private final MVMap<String, byte[]> held;
    private final MVMap<String, Long> counters;
    private final MVMap<String, byte[]> history;
    private final SentIds sent;
    private final MVMap<String, byte[]> inbox;
    private final MVMap<String, Long> acked;
    private final MVMap<String, byte[]> groups;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final Object counterLock = new Object();
    private final GroupCommit commit;

    private EmbeddedStore(MVStore mv, Clock clock) {
        this.mv = mv;
        this.keys = mv.openMap("keys");
        this.pairs = mv.openMap("pairs");
        this.held = mv.openMap("held");
        this.counters = mv.openMap("counters");
        this.history = mv.openMap("history");
        this.sent = new SentIds(mv, clock);
        this.inbox = mv.openMap("inbox");
        this.acked = mv.openMap("acked");
        this.groups = mv.openMap("groups");
        this.commit = new GroupCommit(mv);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** Opens (or creates) the store file in {@code dataDir}; {@code clock} dates the ids it remembers. */
    public static EmbeddedStore open(Path dataDir, Clock clock) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dataDir, e);
        }
        // Every commit rewrites each B-tree leaf it touched, and a send touches leaves of several maps (one of them
        // keyed by random message ids), so 4 KiB leaves (the default is 16 KiB) write a quarter of the bytes.
        return new EmbeddedStore(
                new MVStore.Builder()
                        .fileName(dataDir.resolve("spartan.mv").toString())
                        .pageSplitSize(4096)
                        .open(),
                clock);
    }

    /** A store that lives in memory only, for unit tests and the benchmark's baseline. */
    public static EmbeddedStore inMemory(Clock clock) {
        return new EmbeddedStore(new MVStore.Builder().open(), Objects.requireNonNull(clock, "clock"));
    }

    @Override
    public <T> T atomically(String lockKey, Supplier<T> work) {
        ReentrantLock lock = stripes[Math.floorMod(lockKey.hashCode(), STRIPES)];
        T result;
        lock.lock();
        try {
            result = work.get();
        } finally {
            lock.unlock();
        }
        awaitDurable();
        return result;
    }

    private void awaitDurable() {
        commit.awaitDurable();
    }

    @Override
    public SaveResult save(NewMessage m) {
        return atomically(m.lockKey(), () -> {
            Long before = sent.get(m.sentKey());
            if (before != null) {
                return SaveResult.of(SaveResult.Outcome.DUPLICATE, before);
            }
            String current = guarded(m.guard());
            Guard.Verdict verdict = m.guard().decide(current);
            if (verdict == Guard.Verdict.REFUSE) {
                return SaveResult.refused(current);
            }
            long seq = increment("chat\0" + m.chatKey());
            ChatMessage message = m.message().toBuilder().setChatSeq(seq).build();
            appendHistory(m.chatKey(), message, m.keepHistory());
            if (verdict == Guard.Verdict.HOLD) {
                held.put(m.guard().field(), appendTo(held.get(m.guard().field()), message, Integer.MAX_VALUE));
                sent.put(m.sentKey(), seq);
                return SaveResult.of(SaveResult.Outcome.HELD, seq);
            }
            Event event = Event.newBuilder().setMessage(message).build();
            List<Long> inboxSeqs = new ArrayList<>(m.recipients().size());
            for (String user : m.recipients()) {
                inboxSeqs.add(append(user, event));
            }
            sent.put(m.sentKey(), seq);
            return SaveResult.delivered(seq, inboxSeqs);
        });
    }

    private String guarded(Guard guard) {
        return switch (guard.table()) {
            case PAIRS -> Objects.requireNonNullElse(pairs.get(guard.field()), "");
            case GROUP_VERSIONS -> Guard.encodeVersion(groupVersion(guard.field()));
        };
    }

    @Override
    public Optional<PublicKeys> keys(String user) {
        byte[] b = keys.get(user);
        return b == null ? Optional.empty() : Optional.of(parse(PublicKeys::parseFrom, b));
    }

    @Override
    public PublicKeys pinKeys(String user, PublicKeys k) {
        byte[] existing = keys.putIfAbsent(user, k.toByteArray());
        awaitDurable();
        return existing == null ? k : parse(PublicKeys::parseFrom, existing);
    }

    @Override
    public PairState pairState(String pairKey) {
        return PairState.decode(pairs.get(pairKey));
    }

    @Override
    public void setPairState(String pairKey, PairState state) {
        pairs.put(pairKey, state.encode());
    }

    @Override
    public List<ChatMessage> takeHeld(String pairKey) {
        return decodeList(held.remove(pairKey)).getMessagesList();
    }

    @Override
    public List<ChatMessage> held(String pairKey) {
        return decodeList(held.get(pairKey)).getMessagesList();
    }

    @Override
    public List<ChatMessage> history(String chatKey) {
        return decodeList(history.get(chatKey)).getMessagesList();
    }

    @Override
    public void appendEvent(String user, Event event) {
        append(user, event);
    }

    private long append(String user, Event event) {
        synchronized (counterLock) {
            long seq = increment("inbox\0" + user);
            inbox.put(inboxKey(user, seq), event.toBuilder().setSeq(seq).build().toByteArray());
            return seq;
        }
    }

    @Override
    public List<Event> eventsAfter(String user, long afterSeq, int limit) {
        List<Event> out = new ArrayList<>();
        String prefix = user + "\0";
        Iterator<String> it = inbox.keyIterator(inboxKey(user, afterSeq + 1));
        while (out.size() < limit && it.hasNext()) {
            String key = it.next();
            if (!key.startsWith(prefix)) {
                break;
            }
            byte[] value = inbox.get(key);
            if (value != null) {
                out.add(parse(Event::parseFrom, value));
            }
        }
        return out;
    }

    @Override
    public void ack(String user, long seq) {
        long from = acked.getOrDefault(user, 0L);
        if (seq <= from) {
            return;
        }
        Iterator<String> it = inbox.keyIterator(inboxKey(user, from + 1));
        String prefix = user + "\0";
        String last = inboxKey(user, seq);
        List<String> doomed = new ArrayList<>();
        while (it.hasNext()) {
            String key = it.next();
            if (!key.startsWith(prefix) || key.compareTo(last) > 0) {
                break;
            }
            doomed.add(key);
        }
        doomed.forEach(inbox::remove);
        acked.put(user, seq);
    }

    @Override
    public long lastAcked(String user) {
        return acked.getOrDefault(user, 0L);
    }

    @Override
    public List<Group> runtimeGroups() {
        List<Group> out = new ArrayList<>();
        for (byte[] b : groups.values()) {
            out.add(parse(Group::parseFrom, b));
        }
        return out;
    }

    @Override
    public Optional<Group> runtimeGroup(String name) {
        byte[] b = groups.get(name);
        return b == null ? Optional.empty() : Optional.of(parse(Group::parseFrom, b));
    }

    @Override
    public void putGroup(Group group) {
        groups.put(group.getName(), group.toByteArray());
        increment("group\0" + group.getName());
    }

    @Override
    public void deleteGroup(String name) {
        groups.remove(name);
        increment("group\0" + name);
    }

    @Override
    public long groupVersion(String name) {
        return counters.getOrDefault("group\0" + name, 0L);
    }

    // Maps of the enrollment methods, opened by name (MVStore returns the open map) to keep them out of the hot path.

    @Override
    public void dropKeys(String user) {
        keys.remove(user);
        awaitDurable();
    }

    @Override
    public void putInvite(String user, Invite invite) {
        mv.<String, byte[]>openMap("invites").put(user, invite.encode());
        awaitDurable();
    }

    @Override
    public Optional<Invite> invite(String user) {
        return Optional.ofNullable(mv.<String, byte[]>openMap("invites").get(user))
                .map(Invite::decode);
    }

    @Override
    public void deleteInvite(String user) {
        mv.<String, byte[]>openMap("invites").remove(user);
        awaitDurable();
    }

    @Override
    public void recordLogin(String user, long atMillis) {
        mv.<String, Long>openMap("logins").put(user, atMillis); // committed with the next commit; losing it is harmless
    }

    @Override
    public OptionalLong lastLogin(String user) {
        Long at = mv.<String, Long>openMap("logins").get(user);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    @Override
    public void ping() {
        if (mv.isClosed()) {
            // MVStore closes itself after a write fails ("panic"), so this also catches a full or broken disk.
            throw new StoreUnavailableException("the embedded store is closed", null);
        }
    }

    @Override
    public void close() {
        if (!mv.isClosed()) {
            mv.close();
        }
    }

    private void appendHistory(String chatKey, ChatMessage message, int keep) {
        history.put(chatKey, appendTo(history.get(chatKey), message, keep));
    }

    private static byte[] appendTo(byte[] list, ChatMessage message, int keep) {
        HistoryResponse.Builder b = HistoryResponse.newBuilder(decodeList(list)).addMessages(message);
        while (b.getMessagesCount() > keep) {
            b.removeMessages(0);
        }
        return b.build().toByteArray();
    }

    private long increment(String counter) {
        synchronized (counterLock) {
            long next = counters.getOrDefault(counter, 0L) + 1;
            counters.put(counter, next);
            return next;
        }
    }

    /** Zero-padded so that the map's string order is the numeric order. */
    private static String inboxKey(String user, long seq) {
        return user + "\0" + String.format("%019d", seq);
    }

    private static HistoryResponse decodeList(byte[] b) {
        return b == null ? HistoryResponse.getDefaultInstance() : parse(HistoryResponse::parseFrom, b);
    }

    interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    static <T> T parse(Parser<T> parser, byte[] bytes) {
        try {
            return parser.parse(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt record in the store", e);
        }
    }
}
