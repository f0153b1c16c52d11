package dev.spartan.backend;

import dev.spartan.config.RedisAccess;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.redis.RedisClients;
import dev.spartan.store.MessageStore;
import io.grpc.ServerInterceptor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Objects;
import java.util.function.LongSupplier;

/** One node, zero setup: the embedded store; the rate limit is in-process unless rate_limit.redis is set. */
public final class EmbeddedBackend implements Backend {
    private final MessageStore store;
    private final LongSupplier nanoTime;
    private RedisClient client;
    private StatefulRedisConnection<String, String> redis;

    public EmbeddedBackend(MessageStore store) {
        this(store, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock the in-process rate limits count their windows on (tests move it) */
    public EmbeddedBackend(MessageStore store, LongSupplier nanoTime) {
        this.store = Objects.requireNonNull(store, "store");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    @Override
    public MessageStore store() {
        return store;
    }

    @Override
    public ServerInterceptor rateLimiting(SpartanConfig config, Object... services) {
        if (config.sharedRateLimitRedis() != null) {
            RedisAccess access = config.operations().redis();
            client = RedisClients.create(config.sharedRateLimitRedis(), access);
            RedisClients.awaitReachable(client, config.sharedRateLimitRedis(), access.startWait());
            redis = client.connect();
        }
        return Backends.rateLimiting(
                config, redis == null ? null : redis.async(), dev.spartan.redis.RedisKeys.SINGLE, nanoTime, services);
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
            dev.spartan.redis.RedisClients.shutdownWithin(client);
        }
    }
}
