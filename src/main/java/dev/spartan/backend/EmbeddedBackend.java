package dev.spartan.backend;

import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.redis.RedisClients;
import dev.spartan.store.MessageStore;
import io.grpc.ServerInterceptor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Objects;

/** One node, zero setup: the embedded store; the rate limit is in-process unless rate_limit.redis is set. */
public final class EmbeddedBackend implements Backend {
    private final MessageStore store;
    private RedisClient client;
    private StatefulRedisConnection<String, String> redis;

    public EmbeddedBackend(MessageStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public MessageStore store() {
        return store;
    }

    @Override
    public ServerInterceptor rateLimiting(SpartanConfig config, Object... services) {
        if (config.sharedRateLimitRedis() != null) {
            client = RedisClients.create(config.sharedRateLimitRedis());
            RedisClients.awaitReachable(client, config.sharedRateLimitRedis());
            redis = client.connect();
        }
        return Backends.rateLimiting(config, redis, services);
    }

    @Override
    public Presence presence(DeliveryHub hub) {
        return Presence.local(hub);
    }

    @Override
    public void close() {
        store.close();
        if (client != null) {
            redis.close();
            client.shutdown();
        }
    }
}
