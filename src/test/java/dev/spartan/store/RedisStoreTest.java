package dev.spartan.store;

import dev.spartan.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
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

    @Override
    MessageStore store() {
        return store;
    }
}
