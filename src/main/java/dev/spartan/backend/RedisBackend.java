package dev.spartan.backend;

import dev.spartan.chat.RecentMessages;
import dev.spartan.cluster.ClusterBus;
import dev.spartan.cluster.RedisPresence;
import dev.spartan.config.RedisAccess;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.redis.RedisClients;
import dev.spartan.redis.RedisConnections;
import dev.spartan.redis.RedisTarget;
import dev.spartan.store.MessageStore;
import dev.spartan.store.RedisEpoch;
import dev.spartan.store.RedisLayoutUpgrade;
import dev.spartan.store.RedisStore;
import dev.spartan.store.StoreOpenException;
import io.grpc.ServerInterceptor;
import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A cluster node: store, rate limit, presence and cross-node signals all through one Redis. */
public final class RedisBackend implements Backend {
    private static final Logger log = LoggerFactory.getLogger(RedisBackend.class);
    private final String nodeId = UUID.randomUUID().toString().substring(0, 8);
    private final RedisConnections redis;
    private final RedisStore store;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-timer");
        t.setDaemon(true);
        return t;
    });
    private final Clock clock;
    private ClusterBus bus;
    private RedisPresence presence;

    /**
     * Connects (to one Redis, or to a Redis Cluster for a {@code redis-cluster://} URI), and settles which store this
     * node serves (see {@link RedisEpoch}): the node remembers it in {@code dataDir}. A Redis that lost the store
     * this node served refuses the start unless {@code newStore}.
     *
     * @throws dev.spartan.redis.RedisUnreachableException when Redis does not answer within the start wait
     * @throws StoreOpenException one line for the operator, when Redis lost its data
     */
    public RedisBackend(SpartanConfig config, Path dataDir, Clock clock, boolean newStore) {
        this.clock = Objects.requireNonNull(clock, "clock");
        RedisAccess access = config.operations().redis();
        String shown = RedisAccess.redact(config.redisUri()); // what messages may print
        try {
            redis = RedisConnections.open(config.redisUri(), access);
        } catch (RedisException e) {
            throw new StoreOpenException("cannot reach Redis at " + shown + ": " + RedisClients.rootMessage(e), e);
        }
        try {
            RedisTarget target = redis.store();
            String epoch = RedisEpoch.settle(target.sync(), shown, dataDir, newStore);
            RedisLayoutUpgrade.run(target.sync(), target.keys());
            store = new RedisStore(target, epoch, access.replicasToAck(target.cluster()));
        } catch (RedisException e) {
            redis.close();
            throw new StoreOpenException("cannot reach Redis at " + shown + ": " + RedisClients.rootMessage(e), e);
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        warnWithoutAof(shown);
    }

    /** Without AOF, a Redis restart loses what the node acknowledged since the last snapshot: say so at start. */
    private void warnWithoutAof(String uri) {
        try {
            Map<String, String> aof = redis.strings().configGet("appendonly");
            if ("no".equalsIgnoreCase(aof.get("appendonly"))) {
                log.warn(
                        "Redis at {} runs without AOF (appendonly no): a Redis restart loses acknowledged messages,"
                                + " and then this node refuses to serve until Redis is restored or it is started with"
                                + " --new-store. Run Redis with appendonly yes (see README, Durability)",
                        uri);
            }
        } catch (RedisException e) {
            log.warn("cannot tell whether Redis at {} runs with AOF (CONFIG GET refused: {})", uri, e.getMessage());
        }
    }

    @Override
    public MessageStore store() {
        return store;
    }

    @Override
    public ServerInterceptor rateLimiting(SpartanConfig config, Object... services) {
        return Backends.rateLimiting(config, redis.stringsAsync(), redis.store().keys(), System::nanoTime, services);
    }

    @Override
    public RedisClusterCommands<String, String> redisStrings() {
        return redis.strings();
    }

    @Override
    public Presence presence(DeliveryHub hub) {
        presence = new RedisPresence(redis.strings(), redis.stringsAsync(), hub, timer, clock);
        return presence;
    }

    @Override
    public void connect(DeliveryHub hub, RecentMessages recent) {
        bus = new ClusterBus(redis, nodeId, hub, recent);
        if (presence != null) {
            presence.tellWhereabouts(bus::here);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (bus != null) {
            bus.close();
        }
        redis.close();
    }
}
