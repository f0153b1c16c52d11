package dev.spartan.store;

import static org.awaitility.Awaitility.await;

import dev.spartan.config.RedisAccess;
import dev.spartan.redis.RedisConnections;
import dev.spartan.testing.RedisClusterProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
        // Under a loaded CI machine a node timeout of 500 ms failed over primaries in the middle of saves.
        cluster = new RedisClusterProcesses(clusterDir, 3, RedisClusterProcesses.STEADY_NODE_TIMEOUT_MILLIS);
        redis = RedisConnections.open(cluster.uri(), RedisAccess.DEFAULTS);
        // A cluster just made answers some slots late at first: wait until a write reaches every primary through the
        // per-node connections the store's saves use.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            for (int i = 0; i < 30; i++) {
                String key = "sp:warm:{" + i + "}";
                redis.store().node(key).set(key, new byte[] {1}).get(1, TimeUnit.SECONDS);
            }
            return true;
        });
    }

    @BeforeEach
    void empty() {
        // Right after the cluster is made, the client's view of which node is a primary may lag a refresh behind.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            redis.store().sync().flushall();
            return true;
        });
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
