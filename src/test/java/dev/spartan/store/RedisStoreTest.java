package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract against a real redis-server child process, emptied before each test: a new store each time. */
class RedisStoreTest extends MessageStoreContract {
    private static RedisServerProcess redis;
    private static RedisClient client;
    private RedisStore store;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void start() {
        redis = new RedisServerProcess();
        client = RedisClient.create(redis.uri());
    }

    @BeforeEach
    void empty() {
        try (var connection = client.connect()) {
            connection.sync().flushall();
        }
        var connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        store = new RedisStore(connection, RedisEpoch.settle(connection.sync(), redis.uri(), dataDir, false));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** A Redis of the version that stored lists of API messages: upgraded in place, nothing lost. */
    @Test
    void aRedisOfThePreviousLayoutIsUpgradedBeforeANodeServesIt() {
        ChatMessage m1 = EmbeddedStoreTest.sent("alice", "bob", "m1", 1);
        ChatMessage m2 = EmbeddedStoreTest.sent("bob", "alice", "m2", 2);
        ChatMessage waiting = EmbeddedStoreTest.sent("alice", "carol", "w1", 1);
        try (var connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            var redis = connection.sync();
            redis.rpush("sp:history:dm:alice|bob", m1.toByteArray(), m2.toByteArray());
            redis.rpush("sp:held:alice|carol", waiting.toByteArray());
            redis.hset(
                    "sp:groups",
                    "team",
                    Group.newBuilder()
                            .setName("team")
                            .addMembers("alice")
                            .addMembers("bob")
                            .build()
                            .toByteArray());
            RedisLayoutUpgrade.run(redis);
            RedisLayoutUpgrade.run(redis); // once only
            assertThat(redis.exists("sp:history:dm:alice|bob", "sp:held:alice|carol"))
                    .isZero();
        }
        assertThat(store.history("dm:alice|bob", 0, 10)).containsExactly(m1, m2);
        assertThat(store.held("alice|carol")).containsExactly(waiting);
        assertThat(store.groupsOf("bob")).containsExactly(new RuntimeGroup("team", List.of("alice", "bob"), 0));
        assertThat(store.releaseHeld("alice|carol", "carol"))
                .extracting(Event::getMessage)
                .containsExactly(waiting);
    }

    @Override
    MessageStore store() {
        return store;
    }

    /** Every key with its whole value, whatever its type, as text. */
    @Override
    String dump() {
        try (var connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            return dump(connection.sync());
        }
    }

    /** Every key of {@code r} (one Redis, or every node of a cluster) with its whole value, as text. */
    static String dump(io.lettuce.core.cluster.api.sync.RedisClusterCommands<String, byte[]> r) {
        StringBuilder out = new StringBuilder();
        for (String key : new java.util.TreeSet<>(r.keys("*"))) {
            out.append(key).append(" = ");
            switch (r.type(key)) {
                case "string" -> out.append(text(r.get(key)));
                case "hash" ->
                    r.hgetall(key)
                            .forEach((f, v) ->
                                    out.append(f).append(':').append(text(v)).append(' '));
                case "set" -> r.smembers(key).forEach(v -> out.append(text(v)).append(' '));
                case "zset" ->
                    r.zrange(key, 0, -1).forEach(v -> out.append(text(v)).append(' '));
                case "list" ->
                    r.lrange(key, 0, -1).forEach(v -> out.append(text(v)).append(' '));
                case "stream" ->
                    r.xrange(key, io.lettuce.core.Range.create("-", "+"))
                            .forEach(e -> e.getBody()
                                    .forEach((f, v) -> out.append(f)
                                            .append(':')
                                            .append(text(v))
                                            .append(' ')));
                default -> out.append("(").append(r.type(key)).append(")");
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String text(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRedisOfANewerLayoutIsRefusedWithOneLine() {
        try (var connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
            connection.sync().set("sp:layout", "3".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThatThrownBy(() -> RedisLayoutUpgrade.run(connection.sync()))
                    .isInstanceOf(StoreOpenException.class)
                    .hasMessage("the Redis store has store layout 3, newer than this version knows (2): run a version"
                            + " that knows it (README, Upgrades and rollback)");
        }
    }

    @Test
    void adminBackupRefusesWithOneLineThatPointsToREADMEsProcedure() {
        assertThatThrownBy(() -> store().backup(java.nio.file.Path.of("/tmp/never.zip")))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("this node keeps its store in Redis, which 'admin backup' cannot copy: back up Redis"
                        + " itself as README says (Backup and restore: an AOF/RDB snapshot of each primary, the"
                        + " sp:epoch key, and tls/ of every node)");
    }

    @Test
    void aRedisThatIsGoneFailsThePing() {
        try (RedisServerProcess own = new RedisServerProcess()) {
            RedisClient ownClient = RedisClient.create(own.uri() + "?timeout=1s");
            StatefulRedisConnection<String, byte[]> ownConnection =
                    ownClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            try (RedisStore ownStore = new RedisStore(
                    ownConnection, RedisEpoch.settle(ownConnection.sync(), own.uri(), dataDir.resolve("own"), false))) {
                ownStore.ping();
                own.stop();
                assertThatThrownBy(ownStore::ping).isInstanceOf(StoreUnavailableException.class);
            } finally {
                ownClient.shutdown();
            }
        }
    }
}
