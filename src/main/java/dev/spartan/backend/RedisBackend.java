package dev.spartan.backend;

import dev.spartan.chat.RecentMessages;
import dev.spartan.cluster.ClusterBus;
import dev.spartan.cluster.RedisPresence;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.redis.RedisClients;
import dev.spartan.store.MessageStore;
import dev.spartan.store.RedisStore;
import io.grpc.ServerInterceptor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** A cluster node: store, rate limit, presence and cross-node signals all through one Redis. */
public final class RedisBackend implements Backend {
    private final String nodeId = UUID.randomUUID().toString().substring(0, 8);
    private final RedisClient client;
    private final RedisStore store;
    private final StatefulRedisConnection<String, String> strings;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-timer");
        t.setDaemon(true);
        return t;
    });
    private final Clock clock;
    private ClusterBus bus;

    public RedisBackend(SpartanConfig config, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        client = RedisClients.create(config.redisUri());
        RedisClients.awaitReachable(client, config.redisUri());
        store = new RedisStore(client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)));
        strings = client.connect();
    }

    @Override
    public MessageStore store() {
        return store;
    }

    @Override
    public ServerInterceptor rateLimiting(SpartanConfig config, Object... services) {
        return Backends.rateLimiting(config, strings, services);
    }

    @Override
    public Presence presence(DeliveryHub hub) {
        return new RedisPresence(strings, hub, timer, clock);
    }

    @Override
    public void connect(DeliveryHub hub, RecentMessages recent) {
        bus = new ClusterBus(client, nodeId, hub, recent);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (bus != null) {
            bus.close();
        }
        strings.close();
        store.close();
        client.shutdown();
    }
}
