package dev.spartan.store;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.redis.LuaScript;
import dev.spartan.redis.RedisClients;
import dev.spartan.redis.RedisKeys;
import dev.spartan.redis.RedisTarget;
import dev.spartan.redis.ReplicaAcks;
import dev.spartan.redis.SingleRedis;
import dev.spartan.store.proto.StoredDevices;
import dev.spartan.store.proto.StoredEvent;
import dev.spartan.store.proto.StoredGroup;
import dev.spartan.store.proto.StoredKeys;
import dev.spartan.store.proto.StoredMessage;
import dev.spartan.store.proto.StoredOneTimePreKey;
import dev.spartan.store.proto.StoredPreKeys;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The shared store of a cluster, in Redis. Every node sees the same inboxes, chat states and history, so a user may
 * connect to any node. Each user's inbox is a Redis stream whose entry ids are the inbox sequence numbers; a
 * conversation's history and a pending chat's hold are sorted sets scored by chat sequence number. Values are the
 * store's own records (storage.proto), which no script ever encodes or decodes.
 *
 * <p>A send, {@link #save}, is one step of a Lua script that saves a batch of them ({@link RedisSaves}): one round
 * trip for all the saves asked for while the previous batch was in Redis, each message atomic by Redis's own rules.
 * It does not take the lock, but does not run while the lock of its conversation is held.
 *
 * <p>{@link #atomically} takes a Redis lock (SET NX PX with a random token, in a script that first checks the epoch;
 * released by a compare-and-delete script), so compound updates are serialized across nodes. The lock expires on its
 * own if its node dies mid-update.
 * Inside it, writes are pipelined: each is sent at once without waiting for its reply, and all replies are awaited
 * before the lock is released. One connection keeps commands in order, so a read after a write still sees it.
 * Durability is Redis's: run it with {@code appendonly yes} (see README) so that an acknowledged message survives a
 * Redis restart.
 *
 * <p>The store is the one whose epoch this node serves ({@link RedisEpoch}). Every script checks it first; if Redis
 * holds another epoch or none (it was restarted empty, or replaced), nothing is written, every call answers
 * {@link StoreUnavailableException}, and the listener given to {@link #onFatal} hears it once.
 */
public final class RedisStore implements MessageStore {
    private static final String P = RedisClients.KEY_PREFIX;
    static final String EPOCH_KEY = P + "epoch";
    /** Set when {@code --new-store} replaced a store this node served: enrollment needs a code until reopened. */
    static final String ENROLLMENT_CLOSED_KEY = P + "enrollment-closed";

    private static final long LOCK_MILLIS = 5_000;
    private static final long LOCK_WAIT_NANOS = 10_000_000_000L;
    /** A week is far longer than any client keeps an unacknowledged message; after that an id may be forgotten. */
    private static final long SENT_ID_SECONDS = 7 * 24 * 3600;
    /** How long a save waits for Redis's reply before the send is refused as unavailable. */
    private static final java.time.Duration SAVE_TIMEOUT = java.time.Duration.ofSeconds(10);

    private static final LuaScript SAVE = new LuaScript("/store/save.lua");
    private static final LuaScript APPEND = new LuaScript("/store/inbox_append.lua");
    private static final LuaScript APPEND_ONCE = new LuaScript("/store/inbox_append_once.lua");
    private static final LuaScript LOCK = new LuaScript("/store/lock.lua");
    private static final LuaScript UNLOCK = new LuaScript("/store/unlock.lua");
    private static final LuaScript ACK = new LuaScript("/store/ack.lua");
    private static final LuaScript ADD_PREKEYS = new LuaScript("/store/prekeys_add.lua");

    /** How long a write waits for its replicas ({@code redis_replicas_to_ack}) before it is refused as unavailable. */
    static final java.time.Duration REPLICA_TIMEOUT = java.time.Duration.ofSeconds(2);

    private final Runnable closer;
    private final RedisClusterCommands<String, byte[]> redis;
    private final RedisClusterAsyncCommands<String, byte[]> async;
    private final RedisKeys keys;
    private final String epoch;
    private final byte[] epochBytes;
    /** The epoch the scripts check: empty on a cluster, where the node checks it apart (see {@link RedisKeys}). */
    private final byte[] scriptEpoch;

    private final RedisSaves saves;
    private final ClusterSaves clusterSaves;
    /** Replies of writes sent inside the current thread's {@link #atomically}, still to be awaited. */
    @SuppressWarnings("ThreadLocalUsage") // per store: its writes are awaited on its own connection
    private final ThreadLocal<List<RedisFuture<?>>> pipelined = new ThreadLocal<>();

    private final Stopped stopped = new Stopped();

    /** @param epoch the store epoch this node serves, as {@link RedisEpoch#settle} found it */
    public RedisStore(StatefulRedisConnection<String, byte[]> connection, String epoch) {
        this(new SingleRedis(connection), epoch, 0, connection::close);
    }

    /**
     * @param target        one Redis or a Redis Cluster (whose connections the caller closes)
     * @param replicasToAck how many replicas must hold each batch of saves before it is acknowledged (WAIT)
     */
    public RedisStore(RedisTarget target, String epoch, int replicasToAck) {
        this(target, epoch, replicasToAck, () -> {});
    }

    private RedisStore(RedisTarget target, String epoch, int replicasToAck, Runnable closer) {
        this.closer = closer;
        this.redis = target.sync();
        this.async = target.async();
        this.keys = target.keys();
        this.epoch = Objects.requireNonNull(epoch, "epoch");
        this.epochBytes = utf8(epoch);
        this.scriptEpoch = keys.tagged() ? new byte[0] : epochBytes;
        ReplicaAcks acks = new ReplicaAcks(replicasToAck, REPLICA_TIMEOUT);
        if (keys.tagged()) {
            this.saves = null;
            this.clusterSaves = new ClusterSaves(
                    // short: a save stuck on a dead primary is answered UNAVAILABLE soon, and resent after failover
                    target, SAVE, APPEND_ONCE, RedisClients.COMMAND_TIMEOUT, acks, SENT_ID_SECONDS);
        } else {
            this.saves = new RedisSaves(
                    SAVE, target.node(EPOCH_KEY), SAVE_TIMEOUT, EPOCH_KEY, epochBytes, this::replaced, acks);
            this.clusterSaves = null;
        }
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public void onFatal(Consumer<String> listener) {
        stopped.onFatal(listener);
    }

    /** Looks whether Redis still holds this store; if not, stops the store (see the class comment). */
    public void checkEpoch() {
        byte[] found = call(() -> redis.get(EPOCH_KEY));
        String now = found == null ? "" : new String(found, StandardCharsets.UTF_8);
        if (!now.equals(epoch)) {
            throw replaced(now);
        }
    }

    private StoreUnavailableException replaced(String found) {
        String reason = found.isEmpty()
                ? "Redis no longer holds this store (epoch " + epoch + "): it was restarted without its data."
                        + " Restore its AOF/RDB and restart the node, or restart it with --new-store to begin empty"
                : "Redis now holds another store (epoch " + found + ", this node served " + epoch + ")";
        return stopped.stop(reason, null);
    }

    @Override
    public <T> T atomically(String lockKey, Supplier<T> work) {
        String key = keys.ofConversation("lock", lockKey);
        byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
        LockWait wait = new LockWait(lockKey);
        requireServing();
        byte[] expiry = utf8(Long.toString(LOCK_MILLIS));
        while (true) {
            long taken = (Long) call(() -> LOCK.run(
                    redis,
                    ScriptOutputType.INTEGER,
                    new String[] {key, keys.epochBeside(key, EPOCH_KEY)},
                    token,
                    scriptEpoch,
                    expiry));
            if (taken == 1) {
                break;
            }
            if (taken < 0) {
                checkEpoch(); // throws, naming the epoch Redis holds now
                throw replaced("");
            }
            wait.pause();
        }
        List<RedisFuture<?>> writes = new ArrayList<>();
        pipelined.set(writes);
        try {
            T result = work.get();
            awaitAll(writes);
            return result;
        } finally {
            pipelined.remove();
            call(() -> UNLOCK.run(redis, ScriptOutputType.INTEGER, new String[] {key}, token));
        }
    }

    /** Sends a write; inside {@link #atomically} its reply is awaited at the end, elsewhere at once. */
    private void write(Function<RedisClusterAsyncCommands<String, byte[]>, RedisFuture<?>> command) {
        requireServing();
        List<RedisFuture<?>> batch = pipelined.get();
        RedisFuture<?> reply = command.apply(async);
        if (batch != null) {
            batch.add(reply);
        } else {
            awaitAll(List.of(reply));
        }
    }

    private void requireServing() {
        stopped.check();
    }

    private static void awaitAll(List<RedisFuture<?>> replies) {
        for (RedisFuture<?> reply : replies) {
            call(() -> {
                try {
                    return reply.get(2, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof RedisException re ? re : new RedisException(e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new RedisException("Redis did not answer in 2 s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RedisException("interrupted");
                }
            });
        }
    }

    @Override
    public Optional<PublicKeys> keys(String user) {
        byte[] b = read(() -> redis.hget(keys.userHash("keys", user), user));
        return b == null ? Optional.empty() : Optional.of(Records.publicKeys(Records.parse(StoredKeys::parseFrom, b)));
    }

    @Override
    public PublicKeys pinKeys(String user, PublicKeys keys) {
        requireServing();
        call(() -> redis.hsetnx(
                this.keys.userHash("keys", user), user, Records.storedKeys(keys).toByteArray()));
        return keys(user).orElse(keys);
    }

    @Override
    public PairState pairState(String pairKey) {
        byte[] b = read(() -> redis.hget(keys.conversationHash("pairs", pairKey), pairKey));
        return PairState.decode(b == null ? null : new String(b, StandardCharsets.UTF_8));
    }

    @Override
    public void setPairState(String pairKey, PairState state) {
        write(r -> r.hset(keys.conversationHash("pairs", pairKey), pairKey, utf8(state.encode())));
    }

    /**
     * Queues the save for the next batch of {@link RedisSaves}: saves are applied in the order asked, and the future
     * completes on Redis's answer. While another node holds the conversation's lock, the script answers BUSY and the
     * save is queued again after a back-off (a later save of the same conversation, answered BUSY too, then waits as
     * well).
     */
    @Override
    public CompletableFuture<SaveResult> saveAsync(NewMessage m) {
        requireServing();
        Guard guard = m.guard();
        List<String> keys = new ArrayList<>(7 + 2 * m.recipients().size());
        keys.add(this.keys.ofConversation("lock", m.lockKey()));
        keys.add(this.keys.inConversation("sent", m.lockKey(), m.sentKey()));
        keys.add(
                guard.table() == Guard.Table.PAIRS
                        ? this.keys.conversationHash("pairs", guard.field())
                        : this.keys.conversationHash("groupver", m.lockKey()));
        keys.add(this.keys.ofConversation("chatseq", m.chatKey()));
        keys.add(historyKey(m.chatKey()));
        keys.add(this.keys.inConversation("hold", m.lockKey(), guard.field()));
        keys.add(this.keys.inConversation("heldbytes", m.lockKey(), guard.field()));
        if (clusterSaves == null) { // on a cluster each reader's inbox is written apart, in its own slot
            for (String user : m.recipients()) {
                keys.add(this.keys.ofUser("inboxseq", user));
                keys.add(this.keys.ofUser("inbox", user));
            }
        }
        String[] keyArray = keys.toArray(String[]::new);
        byte[][] args = {
            utf8(guard.field()),
            utf8(guard.deliverIf()),
            utf8(Objects.requireNonNullElse(guard.holdIf(), "")),
            utf8(guard.holdIf() == null ? "0" : "1"),
            Records.storedMessage(m.message(), m.chatKey()).toByteArray(),
            utf8(Integer.toString(m.keepHistory())),
            utf8(Long.toString(SENT_ID_SECONDS)),
            utf8(m.chatKey()),
            utf8(Integer.toString(m.holdLimit().messages())),
            utf8(Long.toString(m.holdLimit().bytes())),
            utf8(Integer.toString(clusterSaves == null ? m.recipients().size() : 0))
        };
        if (clusterSaves != null) {
            return clusterSaves.save(m, keyArray, args, new LockWait(m.lockKey()));
        }
        return runSave(keyArray, args, new LockWait(m.lockKey()));
    }

    private CompletableFuture<SaveResult> runSave(String[] keys, byte[][] args, LockWait wait) {
        return saves.submit(keys, args).thenCompose(reply -> {
            String outcome = new String((byte[]) reply.get(0), StandardCharsets.UTF_8);
            String value = new String((byte[]) reply.get(1), StandardCharsets.UTF_8);
            return switch (outcome) {
                case "BUSY" -> {
                    long pause = wait.nextPauseNanos();
                    yield CompletableFuture.supplyAsync(
                                    () -> null, CompletableFuture.delayedExecutor(pause, TimeUnit.NANOSECONDS))
                            .thenCompose(x -> runSave(keys, args, wait));
                }
                case "REFUSED" -> CompletableFuture.completedFuture(SaveResult.refused(value));
                case "HOLD_FULL" -> CompletableFuture.completedFuture(SaveResult.of(SaveResult.Outcome.HOLD_FULL, 0));
                case "DELIVERED" -> {
                    List<Long> inboxSeqs = new ArrayList<>(reply.size() - 2);
                    for (Object seq : reply.subList(2, reply.size())) {
                        inboxSeqs.add((Long) seq);
                    }
                    yield CompletableFuture.completedFuture(SaveResult.delivered(Long.parseLong(value), inboxSeqs));
                }
                default ->
                    CompletableFuture.completedFuture(
                            SaveResult.of(SaveResult.Outcome.valueOf(outcome), Long.parseLong(value)));
            };
        });
    }

    /** Backs off with jitter while another node holds a conversation's lock, up to a deadline. */
    static final class LockWait {
        private final String lockKey;
        private final long deadline = System.nanoTime() + LOCK_WAIT_NANOS;
        private long backoffMicros = 50;

        LockWait(String lockKey) {
            this.lockKey = lockKey;
        }

        void pause() {
            LockSupport.parkNanos(nextPauseNanos());
        }

        /** How long to back off now; throws once the deadline has passed. */
        long nextPauseNanos() {
            if (System.nanoTime() > deadline) {
                throw new StoreUnavailableException("timed out waiting for the lock of " + lockKey, null);
            }
            // Contended lock: back off briefly with jitter rather than hammer Redis.
            long pause = ThreadLocalRandom.current().nextLong(backoffMicros, backoffMicros * 2) * 1000;
            backoffMicros = Math.min(backoffMicros * 2, 5_000);
            return pause;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private String historyKey(String chatKey) {
        return keys.ofConversation("chatlog", chatKey);
    }

    private String holdKey(String pairKey) {
        return keys.ofConversation("hold", pairKey);
    }

    private String heldBytesKey(String pairKey) {
        return keys.ofConversation("heldbytes", pairKey);
    }

    /** The messages held for a pair, oldest first, their chat_seq set from their scores. */
    private List<StoredMessage> holding(String pairKey) {
        return numbered(read(() -> redis.zrangeWithScores(holdKey(pairKey), 0, -1)));
    }

    private static List<StoredMessage> numbered(List<ScoredValue<byte[]>> entries) {
        List<StoredMessage> out = new ArrayList<>(entries.size());
        for (ScoredValue<byte[]> e : entries) {
            out.add(Records.parse(StoredMessage::parseFrom, e.getValue()).toBuilder()
                    .setChatSeq((long) e.getScore())
                    .build());
        }
        return out;
    }

    @Override
    public List<Event> releaseHeld(String pairKey, String recipient) {
        List<Event> out = new ArrayList<>();
        for (StoredMessage m : holding(pairKey)) {
            StoredMessage unnumbered = m.toBuilder().clearChatSeq().build();
            long seq = 0;
            for (String reader : Records.heldReaders(m, recipient)) { // the recipient first: its seq is returned
                long appended = clusterSaves != null
                        ? clusterSaves.appendOnce(
                                reader,
                                m.getSender() + ":" + m.getMessageId(),
                                unnumbered.toByteArray(),
                                m.getChatSeq(),
                                m.getChatKey())
                        : append(
                                reader,
                                utf8("m"),
                                unnumbered.toByteArray(),
                                utf8("c"),
                                utf8(Long.toString(m.getChatSeq())),
                                utf8("k"),
                                utf8(m.getChatKey()));
                seq = seq == 0 ? appended : seq;
            }
            out.add(Event.newBuilder()
                    .setSeq(seq)
                    .setMessage(Records.chatMessage(m))
                    .build());
        }
        write(r -> r.del(holdKey(pairKey), heldBytesKey(pairKey)));
        return out;
    }

    @Override
    public List<ChatMessage> dropHeld(String pairKey) {
        List<ChatMessage> out = new ArrayList<>();
        for (StoredMessage m : holding(pairKey)) {
            write(r -> r.zremrangebyscore(historyKey(m.getChatKey()), Range.create(m.getChatSeq(), m.getChatSeq())));
            out.add(Records.chatMessage(m));
        }
        write(r -> r.del(holdKey(pairKey), heldBytesKey(pairKey)));
        return out;
    }

    @Override
    public List<ChatMessage> held(String pairKey) {
        return holding(pairKey).stream().map(Records::chatMessage).toList();
    }

    @Override
    public List<ChatMessage> history(String chatKey, long beforeSeq, int limit) {
        Range<Long> range = Range.from(
                Range.Boundary.unbounded(),
                beforeSeq > 0 ? Range.Boundary.excluding(beforeSeq) : Range.Boundary.unbounded());
        List<ScoredValue<byte[]>> newestFirst =
                read(() -> redis.zrevrangebyscoreWithScores(historyKey(chatKey), range, Limit.create(0, limit)));
        List<ChatMessage> out = new ArrayList<>(newestFirst.size());
        for (StoredMessage m : numbered(newestFirst)) {
            out.add(Records.chatMessage(m));
        }
        Collections.reverse(out);
        return out;
    }

    @Override
    public long latestChatSeq(String chatKey) {
        return number(read(() -> redis.get(keys.ofConversation("chatseq", chatKey))));
    }

    @Override
    public void deleteHistory(String chatKey) {
        write(r -> r.del(historyKey(chatKey)));
    }

    @Override
    public long appendEvent(String user, Event event) {
        return append(user, utf8("e"), Records.storedEvent(event).toByteArray());
    }

    /**
     * Synchronous, unlike the other writes: EVALSHA must be able to reload the script after a Redis restart
     * (NOSCRIPT) before anything else of this change is taken as done.
     */
    private long append(String user, byte[]... fields) {
        requireServing();
        byte[][] args = new byte[fields.length + 1][];
        args[0] = scriptEpoch;
        System.arraycopy(fields, 0, args, 1, fields.length);
        long seq = (Long) call(() -> APPEND.run(
                redis,
                ScriptOutputType.INTEGER,
                new String[] {
                    keys.ofUser("inboxseq", user),
                    keys.ofUser("inbox", user),
                    keys.epochBeside(keys.ofUser("inbox", user), EPOCH_KEY)
                },
                args));
        if (seq < 0) {
            checkEpoch(); // throws, naming the epoch Redis holds now
            throw replaced("");
        }
        return seq;
    }

    @Override
    public List<Event> eventsAfter(String user, long afterSeq, int limit) {
        if (afterSeq == Long.MAX_VALUE) {
            return List.of();
        }
        List<StreamMessage<String, byte[]>> entries = read(() ->
                redis.xrange(keys.ofUser("inbox", user), Range.create((afterSeq + 1) + "-0", "+"), Limit.from(limit)));
        List<Event> out = new ArrayList<>(entries.size());
        for (StreamMessage<String, byte[]> e : entries) {
            long seq = Long.parseLong(e.getId().substring(0, e.getId().indexOf('-')));
            out.add(Records.event(stored(e.getBody()), seq));
        }
        return out;
    }

    /** An inbox entry: a message record with its chat seq beside it, or any other event's record. */
    private static StoredEvent stored(Map<String, byte[]> fields) {
        byte[] message = fields.get("m");
        if (message == null) {
            return Records.parse(StoredEvent::parseFrom, fields.get("e"));
        }
        long chatSeq = Long.parseLong(new String(fields.get("c"), StandardCharsets.US_ASCII));
        return StoredEvent.newBuilder()
                .setMessage(Records.parse(StoredMessage::parseFrom, message).toBuilder()
                        .setChatSeq(chatSeq))
                .build();
    }

    @Override
    public long lastSeq(String user) {
        return number(read(() -> redis.get(keys.ofUser("inboxseq", user))));
    }

    @Override
    public boolean ack(String user, long seq) {
        requireServing();
        if (seq < 0) {
            return false;
        }
        long result = (Long) call(() -> ACK.run(
                redis,
                ScriptOutputType.INTEGER,
                new String[] {
                    keys.ofUser("inbox", user),
                    keys.userHash("acked", user),
                    keys.ofUser("inboxseq", user),
                    keys.ofUser("chatacked", user),
                    keys.epochBeside(keys.ofUser("inbox", user), EPOCH_KEY)
                },
                utf8(user),
                utf8(Long.toString(seq)),
                scriptEpoch));
        if (result == -2) {
            throw replaced("");
        }
        return result >= 0;
    }

    @Override
    public long lastAcked(String user) {
        return number(read(() -> redis.hget(keys.userHash("acked", user), user)));
    }

    @Override
    public long acknowledgedChatSeq(String user, String chatKey) {
        return number(read(() -> redis.hget(keys.ofUser("chatacked", user), chatKey)));
    }

    @Override
    public Optional<RuntimeGroup> runtimeGroup(String name) {
        return storedGroup(name).map(Records::runtimeGroup);
    }

    private Optional<StoredGroup> storedGroup(String name) {
        byte[] b = read(() -> redis.hget(P + "groups", name));
        return b == null ? Optional.empty() : Optional.of(Records.parse(StoredGroup::parseFrom, b));
    }

    @Override
    public List<RuntimeGroup> groupsOf(String user) {
        Set<byte[]> names = read(() -> redis.smembers(keys.ofUser("memberof", user)));
        if (names.isEmpty()) {
            return List.of();
        }
        String[] fields = names.stream()
                .map(n -> new String(n, StandardCharsets.UTF_8))
                .sorted()
                .toArray(String[]::new);
        List<RuntimeGroup> out = new ArrayList<>(fields.length);
        for (var value : read(() -> redis.hmget(P + "groups", fields))) {
            if (value.hasValue()) {
                out.add(Records.runtimeGroup(Records.parse(StoredGroup::parseFrom, value.getValue())));
            }
        }
        return out;
    }

    @Override
    public RuntimeGroup putGroup(
            String name, List<String> members, List<RuntimeGroup.Signed> chain, Map<String, Long> invited) {
        Optional<StoredGroup> before = storedGroup(name);
        long generation = before.map(StoredGroup::getGeneration).orElseGet(() -> groupVersion(name) + 1);
        StoredGroup after = Records.storedGroup(name, members, generation, chain, invited);
        write(r -> r.hset(P + "groups", name, after.toByteArray()));
        write(r -> r.hincrby(keys.conversationHash("groupver", "group:" + name), name, 1));
        indexMembers(name, before.<List<String>>map(StoredGroup::getMembersList).orElse(List.of()), members);
        return Records.runtimeGroup(after);
    }

    @Override
    public void deleteGroup(String name) {
        Optional<StoredGroup> before = storedGroup(name);
        write(r -> r.hdel(P + "groups", name));
        write(r -> r.hincrby(keys.conversationHash("groupver", "group:" + name), name, 1));
        indexMembers(name, before.<List<String>>map(StoredGroup::getMembersList).orElse(List.of()), List.of());
    }

    private void indexMembers(String group, List<String> before, List<String> after) {
        Set<String> gone = new HashSet<>(before);
        after.forEach(gone::remove);
        byte[] name = utf8(group);
        gone.forEach(user -> write(r -> r.srem(keys.ofUser("memberof", user), name)));
        after.forEach(user -> write(r -> r.sadd(keys.ofUser("memberof", user), name)));
    }

    @Override
    public long groupVersion(String name) {
        return number(read(() -> redis.hget(keys.conversationHash("groupver", "group:" + name), name)));
    }

    @Override
    public List<Expired> sweep(Cutoffs cutoffs) {
        checkEpoch();
        return read(() -> new RedisRetention(redis, keys).sweep(cutoffs));
    }

    @Override
    public void purge(String user) {
        checkEpoch();
        read(() -> {
            new RedisRetention(redis, keys).purge(user);
            return null;
        });
    }

    @Override
    public void ping() {
        checkEpoch(); // an answer from Redis, and one that still holds this store
        if (keys.tagged()) {
            // NOT_SERVING while a slot has no primary (a failover under way), SERVING again once it has one.
            String info = call(() -> redis.clusterInfo());
            if (!info.contains("cluster_state:ok")) {
                throw new StoreUnavailableException(
                        "Redis Cluster has a slot without a primary (cluster_state:fail): a failover is under way",
                        null);
            }
        }
    }

    @Override
    public void appendKeyLogEntry(byte[] entry) {
        byte[] record = Records.storedKeyLogEntry(entry).toByteArray();
        write(r -> r.rpush(P + "key-log", record));
    }

    @Override
    public List<byte[]> keyLogEntries(long from) {
        List<byte[]> records = read(() -> redis.lrange(P + "key-log", from, -1));
        return records.stream().map(Records::keyLogEntry).toList();
    }

    @Override
    public byte[] keyLogKey(byte[] candidate) {
        requireServing();
        call(() -> redis.setnx(P + "key-log-key", candidate));
        return read(() -> redis.get(P + "key-log-key"));
    }

    @Override
    public void dropKeys(String user) {
        write(r -> r.hdel(keys.userHash("keys", user), user));
        write(r -> r.hdel(keys.userHash("signed-prekeys", user), user));
        write(r -> r.del(oneTimeKey(user)));
    }

    @Override
    public void putSignedPreKeys(String user, int registrationId, SignedPreKey signed, SignedPreKey kyber) {
        byte[] record = Records.storedPreKeys(registrationId, signed, kyber).toByteArray();
        write(r -> r.hset(keys.userHash("signed-prekeys", user), user, record));
    }

    @Override
    public Optional<PreKeyBundle> signedPreKeys(String user) {
        byte[] b = read(() -> redis.hget(keys.userHash("signed-prekeys", user), user));
        return b == null
                ? Optional.empty()
                : Optional.of(Records.preKeyBundle(user, Records.parse(StoredPreKeys::parseFrom, b)));
    }

    @Override
    public int addOneTimePreKeys(String user, List<OneTimePreKey> add, int max) {
        byte[][] args = new byte[add.size() + 1][];
        args[0] = utf8(Integer.toString(max));
        for (int i = 0; i < add.size(); i++) {
            args[i + 1] = Records.storedOneTime(add.get(i)).toByteArray();
        }
        requireServing();
        long size = (Long)
                call(() -> ADD_PREKEYS.run(redis, ScriptOutputType.INTEGER, new String[] {oneTimeKey(user)}, args));
        return (int) size;
    }

    @Override
    public Optional<OneTimePreKey> takeOneTimePreKey(String user) {
        byte[] b = read(() -> redis.lpop(oneTimeKey(user)));
        return b == null
                ? Optional.empty()
                : Optional.of(Records.oneTime(Records.parse(StoredOneTimePreKey::parseFrom, b)));
    }

    @Override
    public int oneTimePreKeyCount(String user) {
        return (int) (long) read(() -> redis.llen(oneTimeKey(user)));
    }

    private String oneTimeKey(String user) {
        return keys.ofUser("one-time-prekeys", user);
    }

    @Override
    public void putInvite(String user, Invite invite) {
        write(r -> r.hset(keys.userHash("invites", user), user, invite.encode()));
    }

    @Override
    public Optional<Invite> invite(String user) {
        byte[] b = read(() -> redis.hget(keys.userHash("invites", user), user));
        return b == null ? Optional.empty() : Optional.of(Invite.decode(b));
    }

    @Override
    public void deleteInvite(String user) {
        write(r -> r.hdel(keys.userHash("invites", user), user));
    }

    @Override
    public boolean enrollmentClosed() {
        return read(() -> redis.exists(ENROLLMENT_CLOSED_KEY)) > 0;
    }

    @Override
    public void reopenEnrollment() {
        write(r -> r.del(ENROLLMENT_CLOSED_KEY));
    }

    @Override
    public void recordLogin(String user, long atMillis) {
        write(r -> r.hset(
                keys.userHash("logins", user), user, Long.toString(atMillis).getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public OptionalLong lastLogin(String user) {
        byte[] b = read(() -> redis.hget(keys.userHash("logins", user), user));
        return b == null
                ? OptionalLong.empty()
                : OptionalLong.of(Long.parseLong(new String(b, StandardCharsets.US_ASCII)));
    }

    @Override
    public List<Device> devices(String user) {
        return DeviceRecords.devices(DeviceRecords.parseDevices(read(() -> redis.get(devicesKey(user)))));
    }

    // Read, change, write: the callers run these inside atomically() under the user's devices lock.

    @Override
    public Device addDevice(String user, String name, byte[] key, long createdMillis) {
        StoredDevices after = DeviceRecords.withDevice(
                DeviceRecords.parseDevices(read(() -> redis.get(devicesKey(user)))), name, key, createdMillis);
        write(r -> r.set(devicesKey(user), after.toByteArray()));
        return DeviceRecords.last(after);
    }

    @Override
    public boolean removeDevice(String user, int id) {
        StoredDevices after =
                DeviceRecords.without(DeviceRecords.parseDevices(read(() -> redis.get(devicesKey(user)))), id);
        if (after == null) {
            return false;
        }
        write(r -> r.set(devicesKey(user), after.toByteArray()));
        return true;
    }

    @Override
    public void dropDevices(String user) {
        StoredDevices before = DeviceRecords.parseDevices(read(() -> redis.get(devicesKey(user))));
        write(r -> r.set(
                devicesKey(user), before.toBuilder().clearDevices().build().toByteArray()));
    }

    private String devicesKey(String user) {
        return keys.ofUser("devices", user);
    }

    @Override
    public boolean putLinkIfAbsent(byte[] slot, PendingLink link, long nowMillis) {
        String key = linkKey(slot);
        byte[] value = DeviceRecords.link(link);
        SetArgs expiring = SetArgs.Builder.pxAt(link.expiresMillis());
        if ("OK".equals(read(() -> redis.set(key, value, expiring.nx())))) {
            return true;
        }
        // Redis keeps a link until its own clock passes the expiry; this node's clock decides whether it still counts.
        if (link(slot, nowMillis).isPresent()) {
            return false;
        }
        write(r -> r.set(key, value, SetArgs.Builder.pxAt(link.expiresMillis())));
        return true;
    }

    @Override
    public Optional<PendingLink> link(byte[] slot, long nowMillis) {
        byte[] b = read(() -> redis.get(linkKey(slot)));
        return Optional.ofNullable(b).map(DeviceRecords::link).filter(l -> l.expiresMillis() > nowMillis);
    }

    @Override
    public void answerLink(byte[] slot, PendingLink answered) {
        write(r -> r.set(
                linkKey(slot),
                DeviceRecords.link(answered),
                SetArgs.Builder.keepttl().xx()));
    }

    private static String linkKey(byte[] slot) {
        return P + "link:" + DeviceRecords.slotKey(slot);
    }

    @Override
    public void close() {
        closer.run();
    }

    private static long number(byte[] b) {
        return b == null ? 0 : Long.parseLong(new String(b, StandardCharsets.US_ASCII));
    }

    private <T> T read(Supplier<T> command) {
        requireServing();
        return call(command);
    }

    private static <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (RedisException e) {
            throw new StoreUnavailableException("Redis is unavailable: " + e.getMessage(), e);
        }
    }
}
