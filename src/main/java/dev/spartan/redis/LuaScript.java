package dev.spartan.redis;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** A Lua script from the classpath, loaded into Redis once and run by its SHA1 (EVALSHA), reloaded on NOSCRIPT. */
public final class LuaScript {
    private final String source;
    private volatile String sha;

    public LuaScript(String resource) {
        Objects.requireNonNull(resource, "resource");
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + resource);
            }
            this.source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SafeVarargs
    public final <V> Object run(
            RedisScriptingCommands<String, V> redis, ScriptOutputType type, String[] keys, V... args) {
        String digest = sha;
        if (digest == null) {
            digest = sha = redis.scriptLoad(source);
        }
        try {
            return redis.evalsha(digest, type, keys, args);
        } catch (RedisNoScriptException e) {
            // Redis restarted, SCRIPT FLUSH, or (on a cluster) a node the script was never loaded into: the source.
            return redis.eval(source, type, keys, args);
        }
    }

    /**
     * Sends the script without waiting for its reply: commands sent one after another on a connection run in that
     * order. The first call loads the script and waits for that, once, so that no later call can overtake it.
     */
    @SafeVarargs
    public final <V> CompletableFuture<Object> runAsync(
            RedisScriptingAsyncCommands<String, V> redis,
            Duration timeout,
            ScriptOutputType type,
            String[] keys,
            V... args) {
        String digest = sha;
        if (digest == null) {
            digest = sha = await(redis.scriptLoad(source), timeout);
        }
        return redis.<Object>evalsha(digest, type, keys, args)
                .toCompletableFuture()
                .exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (!(cause instanceof RedisNoScriptException)) {
                        return CompletableFuture.failedFuture(cause);
                    }
                    // Redis restarted or SCRIPT FLUSH: the source itself, once.
                    return redis.<Object>eval(source, type, keys, args).toCompletableFuture();
                })
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Loads the script into this Redis now, so an unusable Redis shows at startup rather than on first use. */
    public <V> void load(RedisScriptingAsyncCommands<String, V> redis, Duration timeout) {
        sha = await(redis.scriptLoad(source), timeout);
    }

    /**
     * {@link #run(RedisScriptingCommands, ScriptOutputType, String[], Object[])} with each command waiting at most
     * {@code timeout}, whatever the connection's own timeout, so a slow Redis cannot stall the caller.
     */
    @SafeVarargs
    public final <V> Object run(
            RedisScriptingAsyncCommands<String, V> redis,
            Duration timeout,
            ScriptOutputType type,
            String[] keys,
            V... args) {
        String digest = sha;
        if (digest == null) {
            digest = sha = await(redis.scriptLoad(source), timeout);
        }
        try {
            return await(redis.<Object>evalsha(digest, type, keys, args), timeout);
        } catch (RedisNoScriptException e) {
            // Redis restarted, SCRIPT FLUSH, or (on a cluster) a node the script was never loaded into: the source.
            return await(redis.<Object>eval(source, type, keys, args), timeout);
        }
    }

    /** Waits for a reply; cancels the command on timeout so it is not sent later to a recovering Redis. */
    private static <T> T await(RedisFuture<T> reply, Duration timeout) {
        return LettuceFutures.awaitOrCancel(reply, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
