package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.proto.ChatMessage;
import dev.spartan.redis.SingleRedis;
import dev.spartan.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code redis_replicas_to_ack} on one Redis: a save is answered only once a replica holds it (WAIT). */
class RedisReplicaAckTest {
    @TempDir
    Path dataDir;

    private static NewMessage toBob(String id) {
        String pair = PairState.pairKey("alice", "bob");
        ChatMessage m = EmbeddedStoreTest.sent("alice", "bob", id, 1).toBuilder()
                .clearChatSeq()
                .build();
        return new NewMessage(pair, "dm:" + pair, m, List.of("bob"), Guard.pair(pair, "alice"), 5, HoldLimit.NONE);
    }

    @Test
    void aSaveWithoutTheReplicaItAsksForIsUnavailableAndWithItIsAcknowledged() throws Exception {
        try (RedisServerProcess primary = new RedisServerProcess(List.of("--repl-diskless-sync-delay", "0"))) {
            RedisClient client = RedisClient.create(primary.uri());
            try (StatefulRedisConnection<String, byte[]> connection =
                    client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
                String epoch = RedisEpoch.settle(connection.sync(), primary.uri(), dataDir, false);
                RedisStore store = new RedisStore(new SingleRedis(connection), epoch, 1);
                store.setPairState(PairState.pairKey("alice", "bob"), PairState.ACCEPTED);

                // No replica: WAIT 1 gives up after its timeout, and the send is refused, not acknowledged.
                assertThat(store.saveAsync(toBob("m1")))
                        .failsWithin(Duration.ofSeconds(10))
                        .withThrowableOfType(ExecutionException.class)
                        .havingCause()
                        .isInstanceOf(StoreUnavailableException.class)
                        .withMessageContaining("0 of 1 Redis replicas acknowledged the write");

                try (RedisServerProcess replica =
                        new RedisServerProcess(List.of("--replicaof", "127.0.0.1", Integer.toString(primary.port())))) {
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(15))
                            .until(() -> connection.sync().info("replication").contains("state=online"));
                    // The resend (same id) is acknowledged once the replica holds it: stored once, not twice.
                    SaveResult resent = store.saveAsync(toBob("m1")).get(10, TimeUnit.SECONDS);
                    assertThat(resent.outcome()).isEqualTo(SaveResult.Outcome.DUPLICATE);
                    SaveResult next = store.saveAsync(toBob("m2")).get(10, TimeUnit.SECONDS);
                    assertThat(next.outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
                    assertThat(store.eventsAfter("bob", 0, 10)).hasSize(2);
                }
            } finally {
                client.shutdown();
            }
        }
    }
}
