package dev.spartan.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/** The one place where Redis clients are made, so every user of Redis gets the same timeouts and key prefix. */
public final class RedisClients {
    private RedisClients() {}

    /** Every key this program writes starts with this, so it can share a Redis with other programs. */
    public static final String KEY_PREFIX = "sp:";

    /** How long a command may wait for its reply before it fails. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    /** How long a starting node waits for Redis to accept a connection (Redis may be starting at the same time). */
    public static final Duration START_WAIT = Duration.ofSeconds(10);

    public static RedisClient create(String uri) {
        RedisURI parsed = RedisURI.create(uri);
        parsed.setTimeout(COMMAND_TIMEOUT);
        RedisClient client = RedisClient.create(parsed);
        client.addListener(CommandErrors.INSTANCE);
        return client;
    }

    /**
     * Waits until Redis accepts a connection, retrying with backoff for up to {@link #START_WAIT}.
     *
     * @throws RedisUnreachableException if it never does, with the URI and the last reason in its message
     */
    public static void awaitReachable(RedisClient client, String uri) {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        long pause = 100;
        while (true) {
            try (StatefulRedisConnection<String, String> probe = client.connect()) {
                probe.sync().ping();
                return;
            } catch (RedisException e) { // refused, or Redis is still loading its data
                if (System.nanoTime() + pause * 1_000_000 - deadline > 0) {
                    throw new RedisUnreachableException(
                            "cannot reach Redis at " + uri + " (tried for " + START_WAIT.toSeconds() + " s): "
                                    + rootMessage(e),
                            e);
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new RedisUnreachableException("interrupted while waiting for Redis at " + uri, e);
                }
                pause = Math.min(pause * 2, 2000);
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
