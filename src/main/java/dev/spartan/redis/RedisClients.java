package dev.spartan.redis;

import dev.spartan.config.RedisAccess;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where Redis clients are made, so every user of Redis gets the same timeouts and key prefix. */
public final class RedisClients {
    private static final Logger log = LoggerFactory.getLogger(RedisClients.class);

    private RedisClients() {}

    /** Every key this program writes starts with this, so it can share a Redis with other programs. */
    public static final String KEY_PREFIX = "sp:";

    /** How long a command may wait for its reply before it fails. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    /** How long a stopping node waits for one connection to close. */
    public static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    /**
     * Closes a connection, waiting at most {@link #CLOSE_WAIT}: a cluster connection to a node that just died can
     * leave Lettuce's blocking close waiting for ever, and a node that is stopping must stop. False if it did not
     * close in time (or failed to).
     */
    public static boolean closeWithin(io.lettuce.core.api.AsyncCloseable connection) {
        return within(connection.closeAsync(), CLOSE_WAIT);
    }

    /**
     * Shuts {@code client} down, giving up after twice {@link #CLOSE_WAIT}: Lettuce's own {@code shutdown} waits
     * without a bound for every connection to close, and one to a cluster node that died never did (a node's close
     * hung in CI). Its threads are daemons, so one left behind does not keep the process alive.
     */
    public static boolean shutdownWithin(io.lettuce.core.AbstractRedisClient client) {
        return within(
                client.shutdownAsync(0, CLOSE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS),
                CLOSE_WAIT.multipliedBy(2));
    }

    /** True if {@code done} completed normally within {@code wait}. */
    private static boolean within(java.util.concurrent.Future<?> done, java.time.Duration wait) {
        try {
            done.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    public static RedisClient create(String uri) {
        return create(uri, RedisAccess.DEFAULTS);
    }

    /** A client for {@code uri} ({@code redis://} or {@code rediss://}) with the password and CA of {@code access}. */
    public static RedisClient create(String uri, RedisAccess access) {
        RedisURI parsed = RedisURI.create(uri);
        parsed.setTimeout(COMMAND_TIMEOUT);
        if (access.password() != null) {
            String user = RedisAccess.username(uri);
            if (user != null) { // ACL user from the URI, password from the environment or the file
                parsed.setAuthentication(user, access.password());
            } else {
                parsed.setAuthentication(access.password());
            }
        }
        RedisClient client = RedisClient.create(parsed);
        if (access.caFile() != null) {
            client.setOptions(ClientOptions.builder()
                    .sslOptions(SslOptions.builder()
                            .jdkSslProvider()
                            .trustManager(access.caFile().toFile())
                            .build())
                    .build());
        }
        client.addListener(CommandErrors.INSTANCE);
        return client;
    }

    /**
     * Waits until Redis accepts a connection, retrying with backoff (0.1 s, doubling up to 2 s) for up to {@code
     * wait} after the first refusal (counted from there, so a slow first attempt never leaves no retry at all):
     * Redis may be starting at the same time as the node.
     *
     * @throws RedisUnreachableException if it never does, with the URI (its password hidden) and the last reason
     */
    public static void awaitReachable(RedisClient client, String uri, Duration wait) {
        awaitReachable(
                () -> {
                    try (StatefulRedisConnection<String, String> probe = client.connect()) {
                        probe.sync().ping();
                    }
                },
                uri,
                wait);
    }

    /** {@link #awaitReachable(RedisClient, String, Duration)} with any probe that throws until Redis answers. */
    public static void awaitReachable(Runnable probe, String uri, Duration wait) {
        String shown = RedisAccess.redact(uri);
        long deadline = 0;
        long pause = 100;
        boolean told = false;
        while (true) {
            try {
                probe.run();
                if (told) {
                    log.info("Redis at {} answers", shown);
                }
                return;
            } catch (RedisException e) { // refused, or Redis is still loading its data
                refusal(e, shown);
                if (!told) {
                    deadline = System.nanoTime() + wait.toNanos();
                }
                if ((told || wait.isZero()) && System.nanoTime() + pause * 1_000_000 - deadline > 0) {
                    throw new RedisUnreachableException(
                            "cannot reach Redis at " + shown + " (tried for " + seconds(wait) + " s): "
                                    + rootMessage(e),
                            e);
                }
                if (!told) {
                    log.warn(
                            "cannot reach Redis at {} yet ({}): retrying for up to {} s",
                            shown,
                            rootMessage(e),
                            seconds(wait));
                    told = true;
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new RedisUnreachableException("interrupted while waiting for Redis at " + shown, e);
                }
                pause = Math.min(pause * 2, 2000);
            }
        }
    }

    /** A failure that waiting would not repair: the password or the TLS trust is wrong. */
    private static void refusal(RedisException e, String shown) {
        String reason = rootMessage(e);
        if (reason.startsWith("WRONGPASS") || reason.startsWith("NOAUTH") || reason.contains("AUTH <password>")) {
            throw new RedisRefusedException(
                    "Redis at " + shown + " refused the password (" + reason + "): set the one it expects in "
                            + RedisAccess.PASSWORD_VARIABLE + " or in the file redis_password_file names",
                    e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException) {
                throw new RedisRefusedException(
                        "TLS to Redis at " + shown + " failed (" + reason + "): redis_ca_file must name the CA"
                                + " that signed its certificate, and the certificate must name the host of the URI",
                        e);
            }
        }
    }

    private static String seconds(Duration wait) {
        long millis = wait.toMillis();
        return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
    }

    /** The innermost reason of a failure, which names the cause (refused, timed out, WRONGPASS) and no secret. */
    public static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
