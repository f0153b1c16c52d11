package dev.spartan.store;

import dev.spartan.redis.LuaScript;
import dev.spartan.redis.ReplicaAcks;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Group commit for {@link RedisStore}'s saves: the saves asked for while one batch is in Redis go together in the
 * next, as one call of the save script, which applies each message whole and in the order asked. One batch is in
 * flight at a time, so a lone message is sent at once and waits for nobody, while under load each round trip carries
 * all that arrived during the one before it. A message's future completes only with Redis's own answer for it.
 */
final class RedisSaves {
    /** Bounds how long one script call keeps Redis busy, so other clients of the same Redis are not held up. */
    static final int MOST_MESSAGES = 256;

    static final int MOST_BYTES = 1 << 20;

    private final LuaScript script;
    private final RedisAsyncCommands<String, byte[]> redis;
    private final Duration timeout;
    private final String epochKey;
    private final byte[] epoch;
    private final Function<String, StoreUnavailableException> replaced;
    private final ReplicaAcks acks;

    private final Object lock = new Object();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean sending;

    /**
     * @param replaced what a save fails with when Redis holds another epoch (the one found, empty for none)
     */
    RedisSaves(
            LuaScript script,
            RedisAsyncCommands<String, byte[]> redis,
            Duration timeout,
            String epochKey,
            byte[] epoch,
            Function<String, StoreUnavailableException> replaced,
            ReplicaAcks acks) {
        this.script = script;
        this.redis = redis;
        this.timeout = timeout;
        this.epochKey = epochKey;
        this.epoch = epoch;
        this.replaced = replaced;
        this.acks = acks;
    }

    /** One message's keys and arguments, as the save script reads them; the future gets its reply. */
    private static final class Pending {
        final String[] keys;
        final byte[][] args;
        final CompletableFuture<List<?>> reply = new CompletableFuture<>();

        Pending(String[] keys, byte[][] args) {
            this.keys = keys;
            this.args = args;
        }

        int bytes() {
            int sum = 0;
            for (byte[] a : args) {
                sum += a.length;
            }
            return sum;
        }
    }

    /**
     * Queues a save behind those asked for before it. The future completes with the script's reply for this message,
     * or fails with {@link StoreUnavailableException} when Redis did not answer its batch.
     */
    CompletableFuture<List<?>> submit(String[] keys, byte[][] args) {
        Pending pending = new Pending(keys, args);
        List<Pending> batch;
        synchronized (lock) {
            queue.add(pending);
            if (sending) {
                return pending.reply;
            }
            sending = true;
            batch = take();
        }
        send(batch);
        return pending.reply;
    }

    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MOST_MESSAGES));
        int bytes = 0;
        while (!queue.isEmpty() && batch.size() < MOST_MESSAGES) {
            Pending next = queue.peek();
            bytes += next.bytes();
            if (!batch.isEmpty() && bytes > MOST_BYTES) {
                break;
            }
            batch.add(queue.poll());
        }
        return batch;
    }

    private void send(List<Pending> batch) {
        int keyCount = 1;
        int argCount = 1;
        for (Pending p : batch) {
            keyCount += p.keys.length;
            argCount += p.args.length;
        }
        String[] keys = new String[keyCount];
        byte[][] args = new byte[argCount][];
        keys[0] = epochKey;
        args[0] = epoch;
        int k = 1;
        int a = 1;
        for (Pending p : batch) {
            System.arraycopy(p.keys, 0, keys, k, p.keys.length);
            System.arraycopy(p.args, 0, args, a, p.args.length);
            k += p.keys.length;
            a += p.args.length;
        }
        CompletableFuture<Object> reply;
        try {
            reply = script.runAsync(redis, timeout, ScriptOutputType.MULTI, keys, args);
        } catch (RedisException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        // Every outcome is handled in answered(); nothing waits on the returned stage.
        var unused = reply.whenComplete((r, failure) -> answered(batch, r, failure));
    }

    /**
     * Sends the next batch before answering this one, so Redis is not idle while the answers are handled. When Redis
     * did not answer, the saves queued behind the batch fail with it: they were not sent, nothing of them is stored.
     */
    private void answered(List<Pending> batch, Object reply, Throwable failure) {
        List<Pending> next = null;
        List<Pending> unsent = List.of();
        synchronized (lock) {
            if (failure != null) {
                unsent = new ArrayList<>(queue);
                queue.clear();
            }
            if (queue.isEmpty()) {
                sending = false;
            } else {
                next = take();
            }
        }
        if (next != null) {
            send(next);
        }
        if (failure != null) {
            StoreUnavailableException e = unavailable(failure);
            batch.forEach(p -> p.reply.completeExceptionally(e));
            unsent.forEach(p -> p.reply.completeExceptionally(e));
            return;
        }
        List<?> replies = (List<?>) reply;
        if (replies.size() != batch.size() || replies.get(0) instanceof byte[]) {
            // {'EPOCH', found} is the only reply for a whole batch: nothing of it was written.
            StoreUnavailableException e = replaced.apply(new String((byte[]) replies.get(1), StandardCharsets.UTF_8));
            batch.forEach(p -> p.reply.completeExceptionally(e));
            return;
        }
        // Acknowledged only once the replicas asked for hold the batch (redis_replicas_to_ack; none by default).
        var unused = acks.after(redis).whenComplete((ok, lagging) -> {
            if (lagging != null) {
                StoreUnavailableException e = unavailable(lagging);
                batch.forEach(p -> p.reply.completeExceptionally(e));
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).reply.complete((List<?>) replies.get(i));
            }
        });
    }

    private StoreUnavailableException unavailable(Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof StoreUnavailableException e) {
            return e;
        }
        String reason = cause instanceof TimeoutException
                ? "Redis did not answer in " + timeout
                : cause.getMessage() != null ? cause.getMessage() : cause.toString();
        return new StoreUnavailableException("Redis is unavailable: " + reason, cause);
    }
}
