package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract against a real redis-server child process, emptied before each test. */
class RedisStoreTest extends MessageStoreContract {
    private static RedisServerProcess redis;
    private static RedisClient client;
    private static RedisStore store;

    @BeforeAll
    static void start() {
        redis = new RedisServerProcess();
        client = RedisClient.create(redis.uri());
        store = new RedisStore(client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)));
    }

    @BeforeEach
    void empty() {
        try (var connection = client.connect()) {
            connection.sync().flushall();
        }
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (client != null) {
            client.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    MessageStore store() {
        return store;
    }

    @Test
    void aRedisThatIsGoneFailsThePing() {
        try (RedisServerProcess own = new RedisServerProcess()) {
            RedisClient ownClient = RedisClient.create(own.uri() + "?timeout=1s");
            try (RedisStore ownStore =
                    new RedisStore(ownClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)))) {
                ownStore.ping();
                own.stop();
                assertThatThrownBy(ownStore::ping).isInstanceOf(StoreUnavailableException.class);
            } finally {
                ownClient.shutdown();
            }
        }
    }
}
