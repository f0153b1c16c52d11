package dev.spartan.server;

import dev.spartan.config.SpartanConfig;
import dev.spartan.ratelimit.FailoverRateLimiter;
import dev.spartan.ratelimit.LocalRateLimiter;
import dev.spartan.ratelimit.RateLimitConfig;
import dev.spartan.ratelimit.RateLimitInterceptor;
import dev.spartan.ratelimit.RateLimiter;
import dev.spartan.ratelimit.RedisRateLimiter;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.MessageStore;
import io.grpc.ServerInterceptor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Picks the embedded single node or the Redis cluster node, from the config. */
public final class Backends {
    private Backends() {}

    public static SpartanServer.Backend forConfig(SpartanConfig config, Path dataDir) {
        if (config.redisUri() != null) {
            return new dev.spartan.cluster.RedisBackend(config);
        }
        return embedded(EmbeddedStore.open(dataDir));
    }

    public static RedisClient redisClient(String uri) {
        RedisURI parsed = RedisURI.create(uri);
        parsed.setTimeout(Duration.ofSeconds(2));
        return RedisClient.create(parsed);
    }

    /**
     * The {@code @RateLimit("messages")} policy: shared through Redis when the config names one (falling open or
     * closed to the in-process limiter while Redis is down), in-process otherwise.
     */
    public static ServerInterceptor rateLimiting(SpartanConfig config, StatefulRedisConnection<String, String> redis,
                                                 Object... services) {
        RateLimitConfig limit = new RateLimitConfig(config.rateLimitCount(), config.rateLimitWindow());
        RateLimiter limiter = new LocalRateLimiter(limit);
        if (redis != null) {
            limiter = new FailoverRateLimiter(new RedisRateLimiter(redis, "sp:rate:", limit), limiter,
                    config.rateLimitFailOpen() ? FailoverRateLimiter.FailMode.OPEN : FailoverRateLimiter.FailMode.CLOSED);
        }
        return new RateLimitInterceptor(Map.of("messages", limiter), services);
    }

    /** One node, zero setup: the embedded store; the rate limit is in-process unless rate_limit.redis is set. */
    public static SpartanServer.Backend embedded(MessageStore store) {
        return new SpartanServer.Backend() {
            private RedisClient client;
            private StatefulRedisConnection<String, String> redis;

            @Override
            public MessageStore store() {
                return store;
            }

            @Override
            public ServerInterceptor rateLimiting(SpartanConfig config, Object... services) {
                if (config.sharedRateLimitRedis() != null) {
                    client = redisClient(config.sharedRateLimitRedis());
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
        };
    }
}
