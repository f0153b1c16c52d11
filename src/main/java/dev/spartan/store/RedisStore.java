package dev.spartan.store;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.PublicKeys;
import dev.spartan.redis.LuaScript;
import dev.spartan.redis.RedisClients;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The shared store of a cluster, in Redis, so a user may connect to any node; each user's inbox is a Redis stream whose
 * entry ids are the inbox sequence numbers. A send ({@link #save}) is one Lua script, atomic and one round trip, that
 * does not run while its conversation's lock is held; {@link #atomically} takes that lock (SET NX PX with a random
 * token, expiring if its node dies) and pipelines the writes inside it, awaiting every reply before it releases the
 * lock. Durability is Redis's: run it with {@code appendonly yes} (see README) so that an acknowledged message survives
 * a Redis restart.
 */
public final class RedisStore implements MessageStore {
    private static final String P = RedisClients.KEY_PREFIX;
    private static final long LOCK_MILLIS = 5_000;
    private static final long LOCK_WAIT_NANOS = 10_000_000_000L;
    /** A week is far longer than any client keeps an unacknowledged message; after that an id may be forgotten. */
    private static final long SENT_ID_SECONDS = 7 * 24 * 3600;

    private static final LuaScript SAVE = new LuaScript("/store/save.lua");
    private static final LuaScript APPEND = new LuaScript("/store/inbox_append.lua");
    private static final LuaScript UNLOCK = new LuaScript("/store/unlock.lua");
    private static final LuaScript ACK = new LuaScript("/store/ack.lua");

    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisCommands<String, byte[]> redis;
    private final RedisAsyncCommands<String, byte[]> async;
    /** Replies of writes sent inside the current thread's {@link #atomically}, still to be awaited. */
    @SuppressWarnings("ThreadLocalUsage") // per store: its writes are awaited on its own connection
    private final ThreadLocal<List<RedisFuture<?>>> pipelined = new ThreadLocal<>();

    public RedisStore(StatefulRedisConnection<String, byte[]> connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.redis = connection.sync();
        this.async = connection.async();
    }

    @Override
    public <T> T atomically(String lockKey, Supplier<T> work) {
        String key = P + "lock:" + lockKey;
        byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
        LockWait wait = new LockWait(lockKey);
        while (!"OK"
                .equals(call(() -> redis.set(key, token, SetArgs.Builder.nx().px(LOCK_MILLIS))))) {
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

    /**
     * Sends a write; inside {@link #atomically} its reply is awaited at the end, elsewhere at once. One connection keeps
     * commands in order, so a read after a pipelined write still sees it.
     */
    private void write(java.util.function.Function<RedisAsyncCommands<String, byte[]>, RedisFuture<?>> command) {
        List<RedisFuture<?>> batch = pipelined.get();
        RedisFuture<?> reply = command.apply(async);
        if (batch != null) {
            batch.add(reply);
        } else {
            awaitAll(List.of(reply));
        }
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
        byte[] b = call(() -> redis.hget(P + "keys", user));
        return b == null ? Optional.empty() : Optional.of(EmbeddedStore.parse(PublicKeys::parseFrom, b));
    }

    @Override
    public PublicKeys pinKeys(String user, PublicKeys keys) {
        call(() -> redis.hsetnx(P + "keys", user, keys.toByteArray()));
        return keys(user).orElse(keys);
    }

    @Override
    public PairState pairState(String pairKey) {
        byte[] b = call(() -> redis.hget(P + "pairs", pairKey));
        return PairState.decode(b == null ? null : new String(b, StandardCharsets.UTF_8));
    }

    @Override
    public void setPairState(String pairKey, PairState state) {
        write(r -> r.hset(P + "pairs", pairKey, state.encode().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public SaveResult save(NewMessage m) {
        Guard guard = m.guard();
        List<String> keys = new ArrayList<>(6 + 2 * m.recipients().size());
        keys.add(P + "lock:" + m.lockKey());
        keys.add(P + "sent:" + m.sentKey());
        keys.add(P + (guard.table() == Guard.Table.PAIRS ? "pairs" : "groupver"));
        keys.add(P + "chatseq:" + m.chatKey());
        keys.add(P + "history:" + m.chatKey());
        keys.add(P + "held:" + guard.field());
        for (String user : m.recipients()) {
            keys.add(P + "inboxseq:" + user);
            keys.add(P + "inbox:" + user);
        }
        String[] keyArray = keys.toArray(String[]::new);
        byte[][] args = {
            utf8(guard.field()),
            utf8(guard.deliverIf()),
            utf8(Objects.requireNonNullElse(guard.holdIf(), "")),
            utf8(guard.holdIf() == null ? "0" : "1"),
            m.message().toByteArray(),
            utf8(Integer.toString(m.keepHistory())),
            utf8(Long.toString(SENT_ID_SECONDS))
        };
        LockWait wait = new LockWait(m.lockKey());
        while (true) {
            List<?> reply = (List<?>) call(() -> SAVE.run(redis, ScriptOutputType.MULTI, keyArray, args));
            String outcome = new String((byte[]) reply.get(0), StandardCharsets.UTF_8);
            String value = new String((byte[]) reply.get(1), StandardCharsets.UTF_8);
            if (outcome.equals("BUSY")) {
                wait.pause();
                continue;
            }
            if (outcome.equals("REFUSED")) {
                return SaveResult.refused(value);
            }
            if (outcome.equals("DELIVERED")) {
                List<Long> inboxSeqs = new ArrayList<>(reply.size() - 2);
                for (Object seq : reply.subList(2, reply.size())) {
                    inboxSeqs.add((Long) seq);
                }
                return SaveResult.delivered(Long.parseLong(value), inboxSeqs);
            }
            return SaveResult.of(SaveResult.Outcome.valueOf(outcome), Long.parseLong(value));
        }
    }

    /** Backs off with jitter while another node holds a conversation's lock, up to a deadline. */
    private static final class LockWait {
        private final String lockKey;
        private final long deadline = System.nanoTime() + LOCK_WAIT_NANOS;
        private long backoffMicros = 50;

        LockWait(String lockKey) {
            this.lockKey = lockKey;
        }

        void pause() {
            if (System.nanoTime() > deadline) {
                throw new StoreUnavailableException("timed out waiting for the lock of " + lockKey, null);
            }
            // Contended lock: back off briefly with jitter rather than hammer Redis.
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(backoffMicros, backoffMicros * 2) * 1000);
            backoffMicros = Math.min(backoffMicros * 2, 5_000);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public List<ChatMessage> takeHeld(String pairKey) {
        List<ChatMessage> held = held(pairKey);
        write(r -> r.del(P + "held:" + pairKey));
        return held;
    }

    @Override
    public List<ChatMessage> held(String pairKey) {
        return messages(call(() -> redis.lrange(P + "held:" + pairKey, 0, -1)));
    }

    @Override
    public List<ChatMessage> history(String chatKey) {
        return messages(call(() -> redis.lrange(P + "history:" + chatKey, 0, -1)));
    }

    @Override
    public void appendEvent(String user, Event event) {
        // Synchronous, unlike the other writes: EVALSHA must be able to reload the script after a Redis restart
        // (NOSCRIPT) before anything else of this send is taken as done.
        call(() -> APPEND.run(
                redis,
                ScriptOutputType.INTEGER,
                new String[] {P + "inboxseq:" + user, P + "inbox:" + user},
                event.toByteArray()));
    }

    @Override
    public List<Event> eventsAfter(String user, long afterSeq, int limit) {
        List<StreamMessage<String, byte[]>> entries = call(
                () -> redis.xrange(P + "inbox:" + user, Range.create((afterSeq + 1) + "-0", "+"), Limit.from(limit)));
        List<Event> out = new ArrayList<>(entries.size());
        for (StreamMessage<String, byte[]> m : entries) {
            long seq = Long.parseLong(m.getId().substring(0, m.getId().indexOf('-')));
            out.add(EmbeddedStore.parse(Event::parseFrom, m.getBody().get("e")).toBuilder()
                    .setSeq(seq)
                    .build());
        }
        return out;
    }

    @Override
    public void ack(String user, long seq) {
        call(() -> ACK.run(
                redis,
                ScriptOutputType.INTEGER,
                new String[] {P + "inbox:" + user, P + "acked"},
                user.getBytes(StandardCharsets.UTF_8),
                Long.toString(seq).getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public long lastAcked(String user) {
        byte[] b = call(() -> redis.hget(P + "acked", user));
        return b == null ? 0 : Long.parseLong(new String(b, StandardCharsets.US_ASCII));
    }

    @Override
    public List<Group> runtimeGroups() {
        List<Group> out = new ArrayList<>();
        for (byte[] b : call(() -> redis.hvals(P + "groups"))) {
            out.add(EmbeddedStore.parse(Group::parseFrom, b));
        }
        return out;
    }

    @Override
    public Optional<Group> runtimeGroup(String name) {
        byte[] b = call(() -> redis.hget(P + "groups", name));
        return b == null ? Optional.empty() : Optional.of(EmbeddedStore.parse(Group::parseFrom, b));
    }

    @Override
    public void putGroup(Group group) {
        write(r -> r.hset(P + "groups", group.getName(), group.toByteArray()));
        write(r -> r.hincrby(P + "groupver", group.getName(), 1));
    }

    @Override
    public void deleteGroup(String name) {
        write(r -> r.hdel(P + "groups", name));
        write(r -> r.hincrby(P + "groupver", name, 1));
    }

    @Override
    public long groupVersion(String name) {
        byte[] b = call(() -> redis.hget(P + "groupver", name));
        return b == null ? 0 : Long.parseLong(new String(b, StandardCharsets.US_ASCII));
    }

    @Override
    public void ping() {
        call(redis::ping);
    }

    @Override
    public void dropKeys(String user) {
        write(r -> r.hdel(P + "keys", user));
    }

    @Override
    public void putInvite(String user, Invite invite) {
        write(r -> r.hset(P + "invites", user, invite.encode()));
    }

    @Override
    public Optional<Invite> invite(String user) {
        byte[] b = call(() -> redis.hget(P + "invites", user));
        return b == null ? Optional.empty() : Optional.of(Invite.decode(b));
    }

    @Override
    public void deleteInvite(String user) {
        write(r -> r.hdel(P + "invites", user));
    }

    @Override
    public void recordLogin(String user, long atMillis) {
        write(r -> r.hset(P + "logins", user, Long.toString(atMillis).getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public OptionalLong lastLogin(String user) {
        byte[] b = call(() -> redis.hget(P + "logins", user));
        return b == null
                ? OptionalLong.empty()
                : OptionalLong.of(Long.parseLong(new String(b, StandardCharsets.US_ASCII)));
    }

    @Override
    public void close() {
        connection.close();
    }

    private static List<ChatMessage> messages(List<byte[]> raw) {
        List<ChatMessage> out = new ArrayList<>(raw.size());
        for (byte[] b : raw) {
            out.add(EmbeddedStore.parse(ChatMessage::parseFrom, b));
        }
        return out;
    }

    private static <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (RedisException e) {
            throw new StoreUnavailableException("Redis is unavailable: " + e.getMessage(), e);
        }
    }
}
