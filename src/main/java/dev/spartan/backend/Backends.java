package dev.spartan.backend;

import dev.spartan.config.SpartanConfig;
import dev.spartan.ratelimit.FailoverRateLimiter;
import dev.spartan.ratelimit.LocalRateLimiter;
import dev.spartan.ratelimit.RateLimitConfig;
import dev.spartan.ratelimit.RateLimitInterceptor;
import dev.spartan.ratelimit.RateLimiter;
import dev.spartan.ratelimit.RedisRateLimiter;
import dev.spartan.redis.RedisClients;
import dev.spartan.store.EmbeddedStore;
import io.grpc.ServerInterceptor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** Picks the embedded single node or the Redis cluster node, from the config. */
public final class Backends {
    private Backends() {}

    public static Backend forConfig(SpartanConfig config, Path dataDir, Clock clock) {
        if (config.redisUri() != null) {
            return new RedisBackend(config, clock);
        }
        return new EmbeddedBackend(EmbeddedStore.open(dataDir, clock));
    }

    /**
     * The {@code @RateLimit("messages")} policy: shared through Redis when the config names one (falling open or
     * closed to the in-process limiter while Redis is down), in-process otherwise.
     */
    public static ServerInterceptor rateLimiting(
            SpartanConfig config, StatefulRedisConnection<String, String> redis, Object... services) {
        RateLimitConfig limit = new RateLimitConfig(config.rateLimitCount(), config.rateLimitWindow());
        RateLimiter limiter = new LocalRateLimiter(limit);
        if (redis != null) {
            limiter = new FailoverRateLimiter(
                    new RedisRateLimiter(redis, RedisClients.KEY_PREFIX + "rate:", limit),
                    limiter,
                    config.rateLimitFailOpen()
                            ? FailoverRateLimiter.FailMode.OPEN
                            : FailoverRateLimiter.FailMode.CLOSED);
        }
        return new RateLimitInterceptor(Map.of("messages", limiter), services);
    }
}
