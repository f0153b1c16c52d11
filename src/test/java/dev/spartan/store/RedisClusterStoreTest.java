package dev.spartan.store;

import dev.spartan.config.RedisAccess;
import dev.spartan.redis.RedisConnections;
import dev.spartan.testing.RedisClusterProcesses;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract on a real Redis Cluster (three primaries, three replicas), emptied before each test: every
 * operation must keep its keys in one slot and walk the whole cluster where it scans.
 */
class RedisClusterStoreTest extends MessageStoreContract {
    private static RedisClusterProcesses cluster;
    private static RedisConnections redis;
    private RedisStore store;

    @TempDir
    static Path clusterDir;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void start() {
        cluster = new RedisClusterProcesses(clusterDir, 3);
        redis = RedisConnections.open(cluster.uri(), RedisAccess.DEFAULTS);
    }

    @BeforeEach
    void empty() {
        redis.store().sync().flushall();
        store = new RedisStore(
                redis.store(), RedisEpoch.settle(redis.store().sync(), cluster.uri(), dataDir, false), 0);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    MessageStore store() {
        return store;
    }

    @Override
    String dump() {
        return RedisStoreTest.dump(redis.store().sync());
    }
}
