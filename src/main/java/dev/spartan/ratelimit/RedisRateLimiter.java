package dev.spartan.ratelimit;

import dev.spartan.redis.LuaScript;
import dev.spartan.redis.RedisKeys;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sliding window of {@link LocalRateLimiter} shared by every server through Redis: one Lua script
 * ({@code ratelimit/sliding_window.lua}, run by {@link LuaScript}) checks and records atomically in a sorted set per
 * user, with Redis' clock as the only clock. Every command waits at most {@code commandTimeout} (default 500 ms),
 * because a limiter that hangs would stall the calls it protects: a slow Redis becomes a
 * {@link RateLimiterUnavailableException} and {@link FailoverRateLimiter} decides. The timeout is per command, not the
 * connection's, so sharing the connection changes no one else's timeouts.
 */
public final class RedisRateLimiter implements RateLimiter {

    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(500);

    private static final LuaScript SCRIPT = new LuaScript("/ratelimit/sliding_window.lua");

    private final RedisClusterAsyncCommands<String, String> redis;
    private final RedisKeys keys;
    private final String keyPrefix;
    private final RateLimitConfig config;
    private final Duration commandTimeout;
    private final String maxCallsArg;
    private final String windowMsArg;

    public RedisRateLimiter(StatefulRedisConnection<String, String> conn, String keyPrefix, RateLimitConfig cfg) {
        this(conn, keyPrefix, cfg, DEFAULT_COMMAND_TIMEOUT);
    }

    /**
     * Loads the script right away, so a misconfigured Redis fails at startup rather than on the first message.
     *
     * @throws RateLimiterUnavailableException if Redis cannot be reached
     */
    public RedisRateLimiter(
            StatefulRedisConnection<String, String> conn,
            String keyPrefix,
            RateLimitConfig cfg,
            Duration commandTimeout) {
        this(Objects.requireNonNull(conn, "conn").async(), RedisKeys.SINGLE, keyPrefix, cfg, commandTimeout);
    }

    /** On one Redis or a cluster: on a cluster each user's set carries the user's hash tag ({@link RedisKeys}). */
    public RedisRateLimiter(
            RedisClusterAsyncCommands<String, String> redis,
            RedisKeys keys,
            String keyPrefix,
            RateLimitConfig cfg,
            Duration commandTimeout) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        this.config = Objects.requireNonNull(cfg, "cfg");
        this.commandTimeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout must be positive: " + commandTimeout);
        }
        this.maxCallsArg = Integer.toString(cfg.maxCalls());
        this.windowMsArg = Long.toString(cfg.window().toMillis());
        try {
            SCRIPT.load(redis, commandTimeout);
        } catch (RedisException e) {
            throw new RateLimiterUnavailableException("cannot load rate limit script into Redis: " + e.getMessage(), e);
        }
    }

    @Override
    public Decision tryAcquire(String user) {
        Objects.requireNonNull(user, "user");
        String[] keys = {key(user)};
        // The call's member in the sorted set: unique (128 random bits), and what a refund removes. Its timestamp
        // comes from Redis.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String nonce = Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
        Object reply;
        try {
            reply = SCRIPT.run(redis, commandTimeout, ScriptOutputType.MULTI, keys, maxCallsArg, windowMsArg, nonce);
        } catch (RedisException e) {
            throw new RateLimiterUnavailableException("Redis rate limiter failed: " + e.getMessage(), e);
        }
        if (!(reply instanceof List<?> r)
                || r.size() != 2
                || !(r.get(0) instanceof Long allowed)
                || !(r.get(1) instanceof Long waitMillis)) {
            throw new RateLimiterUnavailableException("unexpected reply from rate limit script: " + reply, null);
        }
        if (allowed != 1L) {
            return Decision.deny(Duration.ofMillis(waitMillis));
        }
        // The script recorded the call under the nonce: removing that member takes it out of the count. The refund
        // is not awaited: this connection sends commands in order, so the next check here already sees it.
        return Decision.allow(() -> {
            var unused = redis.zrem(keys[0], nonce);
        });
    }

    @Override
    public RateLimitConfig config() {
        return config;
    }

    /** The sorted-set key holding {@code user}'s admitted calls. */
    public String key(String user) {
        return keyPrefix + keys.user(user);
    }
}
