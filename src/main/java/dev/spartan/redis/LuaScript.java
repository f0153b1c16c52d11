package dev.spartan.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

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
    public final <V> Object run(RedisCommands<String, V> redis, ScriptOutputType type, String[] keys, V... args) {
        String digest = sha;
        if (digest == null) {
            digest = sha = redis.scriptLoad(source);
        }
        try {
            return redis.evalsha(digest, type, keys, args);
        } catch (RedisNoScriptException e) {
            sha = redis.scriptLoad(source); // Redis restarted or SCRIPT FLUSH: load again, once
            return redis.evalsha(sha, type, keys, args);
        }
    }
}
