package dev.spartan.ratelimit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The same exact sliding window as {@link LocalRateLimiter}, but shared by every server process through Redis, so a
 * user cannot get N calls per window from each of several servers.
 *
 * <p>The whole check-and-record runs atomically in one Lua script ({@code ratelimit/sliding_window.lua}) against a
 * sorted set per user, with Redis' clock as the only clock. The script is sent once with SCRIPT LOAD and then invoked
 * by its SHA1 with EVALSHA; if Redis lost it (restart, SCRIPT FLUSH, failover to a replica) the NOSCRIPT error
 * triggers one reload and one retry.
 *
 * <p>Every command waits at most {@code commandTimeout} (default 500ms): a rate limiter that hangs would stall the
 * very calls it protects, so a slow Redis is reported as {@link RateLimiterUnavailableException} instead, and
 * {@link FailoverRateLimiter} decides what to do. The timeout is applied per command rather than via
 * {@code connection.setTimeout} so that sharing the connection with other code does not change its timeouts.
 */
public final class RedisRateLimiter implements RateLimiter {

    static final String SCRIPT_RESOURCE = "/ratelimit/sliding_window.lua";
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(500);

    private static final String SCRIPT = loadScript();

    private final RedisAsyncCommands<String, String> redis;
    private final String keyPrefix;
    private final RateLimitConfig config;
    private final long timeoutNanos;
    private final String maxCallsArg;
    private final String windowMsArg;
    // Written on reload after NOSCRIPT; volatile so every thread picks up the new digest (it is the same SHA1 anyway).
    private volatile String sha;

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
        Objects.requireNonNull(conn, "conn");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        this.config = Objects.requireNonNull(cfg, "cfg");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout must be positive: " + commandTimeout);
        }
        this.redis = conn.async();
        this.timeoutNanos = commandTimeout.toNanos();
        this.maxCallsArg = Integer.toString(cfg.maxCalls());
        this.windowMsArg = Long.toString(cfg.window().toMillis());
        this.sha = loadIntoRedis();
    }

    @Override
    public Decision tryAcquire(String user) {
        Objects.requireNonNull(user, "user");
        String[] keys = {key(user)};
        // The call's member in the sorted set: unique (128 random bits), and what a refund removes.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String nonce = Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
        List<Long> reply;
        try {
            try {
                reply = evalsha(sha, keys, nonce);
            } catch (RedisNoScriptException e) {
                sha = loadIntoRedis();
                reply = evalsha(sha, keys, nonce);
            }
        } catch (RedisException e) {
            throw new RateLimiterUnavailableException("Redis rate limiter failed: " + e.getMessage(), e);
        }
        if (reply == null || reply.size() != 2) {
            throw new RateLimiterUnavailableException("unexpected reply from rate limit script: " + reply, null);
        }
        if (reply.get(0) != 1L) {
            return Decision.deny(Duration.ofMillis(reply.get(1)));
        }
        // The script recorded the call under the nonce: removing that member takes it out of the count.
        return Decision.allow(() -> await(redis.zrem(keys[0], nonce)));
    }

    @Override
    public RateLimitConfig config() {
        return config;
    }

    /** The sorted-set key holding {@code user}'s admitted calls. */
    public String key(String user) {
        return keyPrefix + user;
    }

    private List<Long> evalsha(String digest, String[] keys, String nonce) {
        RedisFuture<List<Long>> f =
                redis.evalsha(digest, ScriptOutputType.MULTI, keys, maxCallsArg, windowMsArg, nonce);
        return await(f);
    }

    private String loadIntoRedis() {
        try {
            return await(redis.scriptLoad(SCRIPT));
        } catch (RedisException e) {
            throw new RateLimiterUnavailableException("cannot load rate limit script into Redis: " + e.getMessage(), e);
        }
    }

    /** Waits for a reply; cancels the command on timeout so it is not sent later to a recovering Redis. */
    private <T> T await(RedisFuture<T> future) {
        // awaitOrCancel throws RedisCommandTimeoutException / RedisCommandExecutionException, both RedisException.
        return LettuceFutures.awaitOrCancel(future, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private static String loadScript() {
        try (InputStream in = RedisRateLimiter.class.getResourceAsStream(SCRIPT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + SCRIPT_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
