package dev.spartan.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;

/** The one place where Redis clients are made, so every user of Redis gets the same timeouts and key prefix. */
public final class RedisClients {
    private RedisClients() {}

    /** Every key this program writes starts with this, so it can share a Redis with other programs. */
    public static final String KEY_PREFIX = "sp:";

    /** How long a command may wait for its reply before it fails. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    public static RedisClient create(String uri) {
        RedisURI parsed = RedisURI.create(uri);
        parsed.setTimeout(COMMAND_TIMEOUT);
        return RedisClient.create(parsed);
    }
}
