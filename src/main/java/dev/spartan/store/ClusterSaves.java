package dev.spartan.store;

import dev.spartan.redis.LuaScript;
import dev.spartan.redis.RedisClients;
import dev.spartan.redis.RedisKeys;
import dev.spartan.redis.RedisTarget;
import dev.spartan.redis.ReplicaAcks;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A save on Redis Cluster, where a conversation and each of its readers live in slots of their own. First the save
 * script runs in the conversation's slot (dedupe, guard, chat sequence, history or hold), then the message goes into
 * each reader's inbox in that reader's slot, once by its id ({@code inbox_append_once.lua}), and then the replicas
 * asked for must hold every one of these writes (WAIT on each node written). Only then is the save answered: an
 * acknowledged message is in every reader's inbox and survives the death of any one primary.
 *
 * <p>A failure anywhere answers the send UNAVAILABLE. The client resends; the conversation step answers DUPLICATE
 * with the chat sequence the first attempt got, and the inboxes still missing the message get it from the history
 * (those that have it write nothing), so a message is never in an inbox twice.
 */
final class ClusterSaves {
    private static final String P = RedisClients.KEY_PREFIX;
    private final RedisTarget target;
    private final RedisKeys keys;
    private final LuaScript save;
    private final LuaScript appendOnce;
    private final Duration timeout;
    private final ReplicaAcks acks;
    private final byte[] idSeconds;

    ClusterSaves(
            RedisTarget target,
            LuaScript save,
            LuaScript appendOnce,
            Duration timeout,
            ReplicaAcks acks,
            long sentIdSeconds) {
        this.target = target;
        this.keys = target.keys();
        this.save = save;
        this.appendOnce = appendOnce;
        this.timeout = timeout;
        this.acks = acks;
        this.idSeconds = utf8(Long.toString(sentIdSeconds));
    }

    /** @param saveKeys the save script's keys and args for the message, without the epoch, no recipients */
    CompletableFuture<SaveResult> save(NewMessage m, String[] saveKeys, byte[][] saveArgs, RedisStore.LockWait wait) {
        String[] k = new String[saveKeys.length + 1];
        k[0] = keys.epochBeside(saveKeys[0], RedisStore.EPOCH_KEY);
        System.arraycopy(saveKeys, 0, k, 1, saveKeys.length);
        byte[][] a = new byte[saveArgs.length + 1][];
        a[0] = new byte[0]; // the epoch is checked apart on a cluster
        System.arraycopy(saveArgs, 0, a, 1, saveArgs.length);
        return step(m, k, a, wait).handle((r, e) -> {
            if (e != null) {
                throw unavailable(e);
            }
            return r;
        });
    }

    private CompletableFuture<SaveResult> step(NewMessage m, String[] k, byte[][] a, RedisStore.LockWait wait) {
        RedisAsyncCommands<String, byte[]> conversation = target.node(k[1]);
        return save.runAsync(conversation, timeout, ScriptOutputType.MULTI, k, a)
                .thenCompose(raw -> {
                    List<?> reply = (List<?>) ((List<?>) raw).get(0);
                    String outcome = text(reply.get(0));
                    String value = text(reply.get(1));
                    return switch (outcome) {
                        case "BUSY" -> {
                            long pause = wait.nextPauseNanos();
                            yield CompletableFuture.supplyAsync(
                                            () -> null, CompletableFuture.delayedExecutor(pause, TimeUnit.NANOSECONDS))
                                    .thenCompose(x -> step(m, k, a, wait));
                        }
                        case "REFUSED" -> CompletableFuture.completedFuture(SaveResult.refused(value));
                        case "HOLD_FULL" ->
                            CompletableFuture.completedFuture(SaveResult.of(SaveResult.Outcome.HOLD_FULL, 0));
                        case "HELD" ->
                            acks.after(conversation)
                                    .thenApply(x -> SaveResult.of(SaveResult.Outcome.HELD, Long.parseLong(value)));
                        case "DELIVERED" -> {
                            long chatSeq = Long.parseLong(value);
                            yield acks.after(conversation)
                                    .thenCompose(x -> intoInboxes(m, a[5], chatSeq))
                                    .thenApply(seqs -> SaveResult.delivered(chatSeq, seqs));
                        }
                        case "DUPLICATE" ->
                            repair(m, k, Long.parseLong(value))
                                    .thenApply(x -> SaveResult.of(SaveResult.Outcome.DUPLICATE, Long.parseLong(value)));
                        default -> throw new IllegalStateException("unexpected save reply " + outcome);
                    };
                });
    }

    /**
     * A resend of a message stored before: the first attempt may have failed after the conversation step, so every
     * reader's inbox gets the stored copy unless it has it already. A message still held waits for the accept.
     */
    private CompletableFuture<Void> repair(NewMessage m, String[] k, long chatSeq) {
        String history = k[5];
        String hold = k[6];
        Range<Double> at = Range.create((double) chatSeq, (double) chatSeq);
        return target.async().zrangebyscore(hold, at).toCompletableFuture().thenCompose(held -> {
            if (!held.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            return target.async()
                    .zrangebyscore(history, at)
                    .toCompletableFuture()
                    .thenCompose(stored -> stored.isEmpty()
                            ? CompletableFuture.completedFuture(
                                    null) // trimmed from the history long ago: delivered then
                            : intoInboxes(m, stored.get(0), chatSeq).thenApply(x -> null));
        });
    }

    /** The message into each reader's inbox, once; the inbox seqs in the order of the recipients. */
    private CompletableFuture<List<Long>> intoInboxes(NewMessage m, byte[] record, long chatSeq) {
        List<CompletableFuture<Long>> each = new ArrayList<>(m.recipients().size());
        for (String reader : m.recipients()) {
            each.add(appendOnceAsync(reader, m.sentKey(), record, chatSeq, m.chatKey()));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(x -> {
            List<Long> seqs = new ArrayList<>(each.size());
            each.forEach(f -> seqs.add(f.join()));
            return seqs;
        });
    }

    private CompletableFuture<Long> appendOnceAsync(
            String reader, String id, byte[] record, long chatSeq, String chatKey) {
        String inbox = keys.ofUser("inbox", reader);
        RedisAsyncCommands<String, byte[]> node = target.node(inbox);
        return appendOnce
                .runAsync(
                        node,
                        timeout,
                        ScriptOutputType.MULTI,
                        appendKeys(reader, id),
                        appendArgs(record, chatSeq, chatKey))
                .thenCompose(reply -> acks.after(node).thenApply(x -> (Long) ((List<?>) reply).get(0)));
    }

    /** {@link #appendOnceAsync}, waited for: a held message released into the reader's inbox, once. */
    long appendOnce(String reader, String id, byte[] record, long chatSeq, String chatKey) {
        try {
            return appendOnceAsync(reader, id, record, chatSeq, chatKey).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted", e);
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    private String[] appendKeys(String reader, String id) {
        return new String[] {
            keys.ofUser("inboxseq", reader), keys.ofUser("inbox", reader), P + "got:" + keys.user(reader) + id
        };
    }

    private byte[][] appendArgs(byte[] record, long chatSeq, String chatKey) {
        return new byte[][] {
            idSeconds, utf8("m"), record, utf8("c"), utf8(Long.toString(chatSeq)), utf8("k"), utf8(chatKey)
        };
    }

    private static StoreUnavailableException unavailable(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof StoreUnavailableException s) {
            return s;
        }
        String reason = cause instanceof java.util.concurrent.TimeoutException
                ? "Redis did not answer in time"
                : cause.getMessage() != null ? cause.getMessage() : cause.toString();
        return new StoreUnavailableException("Redis Cluster is unavailable: " + reason, cause);
    }

    private static String text(Object o) {
        return new String((byte[]) o, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
