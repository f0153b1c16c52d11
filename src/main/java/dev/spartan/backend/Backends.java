package dev.spartan.backend;

import dev.spartan.config.SpartanConfig;
import dev.spartan.ratelimit.FailoverRateLimiter;
import dev.spartan.ratelimit.LocalRateLimiter;
import dev.spartan.ratelimit.RateLimitConfig;
import dev.spartan.ratelimit.RateLimitInterceptor;
import dev.spartan.ratelimit.RateLimiter;
import dev.spartan.ratelimit.RedisRateLimiter;
import dev.spartan.redis.RedisClients;
import dev.spartan.redis.RedisKeys;
import dev.spartan.store.EmbeddedStore;
import io.grpc.ServerInterceptor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;

/** Picks the embedded single node or the Redis cluster node, from the config. */
public final class Backends {
    /** Prekey uploads and bundle fetches per user per minute: each fetch uses up one of someone's one-time keys. */
    public static final int PREKEY_CALLS_PER_MINUTE = 240;

    private Backends() {}

    /**
     * Opens the store the config names.
     *
     * @param newStore in Redis mode, begin a new store if Redis holds none, even though this node served one before
     * @throws dev.spartan.store.StoreOpenException one line for the operator if the store cannot be opened
     */
    public static Backend forConfig(SpartanConfig config, Path dataDir, Clock clock, boolean newStore) {
        if (config.redisUri() != null) {
            return new RedisBackend(config, dataDir, clock, newStore);
        }
        return new EmbeddedBackend(EmbeddedStore.open(dataDir));
    }

    /**
     * The {@code @RateLimit} policies: "messages" (config's rate limit), "groups" ({@code
     * limits.group_changes_per_minute}), "history" ({@code limits.history_calls_per_minute}) and "prekeys"
     * ({@link #PREKEY_CALLS_PER_MINUTE}). Each is shared
     * through Redis when the config names one (falling open or closed to the in-process limiter while Redis is
     * down), in-process otherwise.
     *
     * @param nanoTime the monotonic clock of the in-process limiters
     */
    public static ServerInterceptor rateLimiting(
            SpartanConfig config,
            RedisClusterAsyncCommands<String, String> redis,
            RedisKeys keys,
            LongSupplier nanoTime,
            Object... services) {
        Duration minute = Duration.ofMinutes(1);
        Map<String, RateLimiter> policies = Map.of(
                "messages",
                limiter(
                        config,
                        redis,
                        keys,
                        nanoTime,
                        "rate:",
                        new RateLimitConfig(config.rateLimitCount(), config.rateLimitWindow())),
                "groups",
                limiter(
                        config,
                        redis,
                        keys,
                        nanoTime,
                        "rate:groups:",
                        new RateLimitConfig(config.limits().groupChangesPerMinute(), minute)),
                "history",
                limiter(
                        config,
                        redis,
                        keys,
                        nanoTime,
                        "rate:history:",
                        new RateLimitConfig(config.limits().historyCallsPerMinute(), minute)),
                "prekeys",
                limiter(
                        config,
                        redis,
                        keys,
                        nanoTime,
                        "rate:prekeys:",
                        new RateLimitConfig(PREKEY_CALLS_PER_MINUTE, minute)));
        return new RateLimitInterceptor(policies, services);
    }

    private static RateLimiter limiter(
            SpartanConfig config,
            RedisClusterAsyncCommands<String, String> redis,
            RedisKeys keys,
            LongSupplier nanoTime,
            String prefix,
            RateLimitConfig limit) {
        RateLimiter local = new LocalRateLimiter(limit, nanoTime);
        if (redis == null) {
            return local;
        }
        return new FailoverRateLimiter(
                new RedisRateLimiter(
                        redis, keys, RedisClients.KEY_PREFIX + prefix, limit, RedisRateLimiter.DEFAULT_COMMAND_TIMEOUT),
                local,
                config.rateLimitFailOpen() ? FailoverRateLimiter.FailMode.OPEN : FailoverRateLimiter.FailMode.CLOSED);
    }
}
