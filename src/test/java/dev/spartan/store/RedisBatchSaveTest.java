package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RedisStore}'s batched saves against a real redis-server: many senders at once, and Redis dying under them. */
class RedisBatchSaveTest {
    private static final int SENDERS = 6;
    private static final int PER_SENDER = 400;

    @TempDir
    Path dataDir;

    private static NewMessage toPeer(int sender, String id) {
        String from = "s" + sender;
        String to = "r" + sender;
        String pair = PairState.pairKey(from, to);
        ChatMessage m = EmbeddedStoreTest.sent(from, to, id, 1).toBuilder()
                .clearChatSeq()
                .build();
        return new NewMessage(pair, "dm:" + pair, m, List.of(to), Guard.pair(pair, from), 5, HoldLimit.NONE);
    }

    private static List<String> inboxIds(MessageStore store, String user) {
        return store.eventsAfter(user, 0, 100_000).stream()
                .filter(Event::hasMessage)
                .map(e -> e.getMessage().getMessageId())
                .toList();
    }

    /** Each sender's saves, called one after another on its own thread without waiting, while the others do too. */
    private RedisStore open(StatefulRedisConnection<String, byte[]> connection, RedisServerProcess redis) {
        return new RedisStore(connection, RedisEpoch.settle(connection.sync(), redis.uri(), dataDir, false));
    }

    /** The store, with each sender's chat with its reader accepted. */
    private RedisStore storeWithOpenChats(
            StatefulRedisConnection<String, byte[]> connection, RedisServerProcess redis) {
        RedisStore store = open(connection, redis);
        for (int s = 0; s < SENDERS; s++) {
            store.setPairState(PairState.pairKey("s" + s, "r" + s), PairState.ACCEPTED);
        }
        return store;
    }

    @Test
    void concurrentSavesAllCompleteInOrderPerConversationExactlyOnceInFewerScriptCallsThanMessages() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess()) {
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, byte[]> connection =
                            client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                    RedisStore store = storeWithOpenChats(connection, redis)) {
                List<List<CompletableFuture<SaveResult>>> sent = new ArrayList<>();
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                for (int s = 0; s < SENDERS; s++) {
                    List<CompletableFuture<SaveResult>> mine = Collections.synchronizedList(new ArrayList<>());
                    sent.add(mine);
                    int sender = s;
                    Thread t = new Thread(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        for (int i = 0; i < PER_SENDER; i++) {
                            mine.add(store.saveAsync(toPeer(sender, "m" + i)));
                            if (i % 50 == 49) { // a resend of an earlier id, maybe while the first is not yet answered
                                mine.add(store.saveAsync(toPeer(sender, "m" + (i - 3))));
                            }
                        }
                    });
                    t.start();
                    threads.add(t);
                }
                go.countDown();
                for (Thread t : threads) {
                    t.join(TimeUnit.SECONDS.toMillis(60));
                }
                List<CompletableFuture<SaveResult>> all = new ArrayList<>();
                sent.forEach(all::addAll);
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

                for (int s = 0; s < SENDERS; s++) {
                    List<CompletableFuture<SaveResult>> mine = sent.get(s);
                    assertThat(mine).hasSize(PER_SENDER + PER_SENDER / 50);
                    long expectedSeq = 1;
                    int index = 0;
                    for (int i = 0; i < PER_SENDER; i++) {
                        SaveResult first = mine.get(index++).join();
                        assertThat(first.outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
                        assertThat(first.chatSeq()).isEqualTo(expectedSeq);
                        assertThat(first.inboxSeqs()).containsExactly(expectedSeq);
                        expectedSeq++;
                        if (i % 50 == 49) {
                            SaveResult again = mine.get(index++).join();
                            assertThat(again.outcome()).isEqualTo(SaveResult.Outcome.DUPLICATE);
                            assertThat(again.chatSeq()).isEqualTo(i - 3 + 1);
                        }
                    }
                    List<String> expected = new ArrayList<>();
                    for (int i = 0; i < PER_SENDER; i++) {
                        expected.add("m" + i);
                    }
                    assertThat(inboxIds(store, "r" + s)).containsExactlyElementsOf(expected);
                }
                int messages = SENDERS * (PER_SENDER + PER_SENDER / 50);
                assertThat(scriptCalls(connection)).isGreaterThan(0).isLessThan(messages);
            } finally {
                client.shutdown();
            }
        }
    }

    private static long scriptCalls(StatefulRedisConnection<String, byte[]> connection) {
        String stats = connection.sync().info("commandstats");
        long calls = 0;
        Matcher m = Pattern.compile("cmdstat_(evalsha|eval):calls=(\\d+)").matcher(stats);
        while (m.find()) {
            calls += Long.parseLong(m.group(2));
        }
        return calls;
    }

    /** A save and whom it went to. */
    private record Sent(String recipient, String id, CompletableFuture<SaveResult> result) {}

    /**
     * Redis killed while saves are queued and in flight: each save either fails as unavailable, or was answered as
     * stored and is in Redis's append-only file (fsync always) when Redis comes back, at the inbox seq it was given.
     */
    @Test
    void redisKilledMidBatchFailsTheSavesItDidNotAnswerAndAcknowledgesNothingItLost() throws Exception {
        try (RedisServerProcess redis =
                new RedisServerProcess(List.of("--appendonly", "yes", "--appendfsync", "always"))) {
            RedisClient client = RedisClient.create(redis.uri());
            List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
            try (StatefulRedisConnection<String, byte[]> connection =
                            client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                    RedisStore store = storeWithOpenChats(connection, redis)) {
                CountDownLatch killed = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                for (int s = 0; s < SENDERS; s++) {
                    int sender = s;
                    Thread t = new Thread(() -> {
                        int afterKill = 0;
                        for (int i = 0; afterKill < 100; i++) {
                            sent.add(new Sent("r" + sender, "m" + i, store.saveAsync(toPeer(sender, "m" + i))));
                            if (killed.getCount() == 0) {
                                afterKill++;
                            }
                            if (i % 5 == 4) {
                                try {
                                    Thread.sleep(1); // pacing, so that the queue stays small while Redis is up
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    return;
                                }
                            }
                        }
                    });
                    t.start();
                    threads.add(t);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> answered(sent) >= 1000);
                redis.stop();
                killed.countDown();
                for (Thread t : threads) {
                    t.join(TimeUnit.SECONDS.toMillis(60));
                }
                List<Sent> all;
                synchronized (sent) {
                    all = new ArrayList<>(sent);
                }
                // A save Redis did not answer fails once its batch has waited the save timeout (10 s).
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> all.stream().allMatch(x -> x.result().isDone()));

                Map<String, Map<Long, String>> acknowledged = new HashMap<>();
                int failed = 0;
                for (Sent x : all) {
                    try {
                        SaveResult r = x.result().join();
                        assertThat(r.outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
                        acknowledged
                                .computeIfAbsent(x.recipient(), k -> new HashMap<>())
                                .put(r.inboxSeqs().get(0), x.id());
                    } catch (CompletionException e) {
                        assertThat(e.getCause())
                                .isInstanceOf(StoreUnavailableException.class)
                                .hasMessageStartingWith("Redis is unavailable: ");
                        failed++;
                    }
                }
                assertThat(failed).isGreaterThanOrEqualTo(100 * SENDERS); // at least those sent after the kill
                assertThat(acknowledged.values().stream().mapToInt(Map::size).sum())
                        .isGreaterThanOrEqualTo(1000);

                connection.close(); // nothing buffered in this client may reach the Redis that comes back
                redis.restart();
                try (StatefulRedisConnection<String, byte[]> again =
                                client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                        RedisStore back = open(again, redis)) {
                    for (var inbox : acknowledged.entrySet()) {
                        Map<Long, String> stored = new HashMap<>();
                        for (Event e : back.eventsAfter(inbox.getKey(), 0, 100_000)) {
                            stored.put(e.getSeq(), e.getMessage().getMessageId());
                        }
                        assertThat(stored).containsAllEntriesOf(inbox.getValue());
                    }
                }
            } finally {
                client.shutdown();
            }
        }
    }

    private static long answered(List<Sent> sent) {
        synchronized (sent) {
            return sent.stream()
                    .filter(x -> x.result().isDone() && !x.result().isCompletedExceptionally())
                    .count();
        }
    }
}
