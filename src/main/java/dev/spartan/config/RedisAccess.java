package dev.spartan.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the node reaches Redis beyond its URI.
 *
 * @param password  from {@code SPARTAN_REDIS_PASSWORD}, else the file {@code redis_password_file} names, else null
 *                  (then a password in the config's URI, if any). Never from the command line, where {@code ps}
 *                  shows it to every user, and never printed: {@link #toString} and {@link #redact} hide it.
 * @param caFile    {@code redis_ca_file}: PEM certificates that a {@code rediss://} server's chain must lead to;
 *                  null for the JVM's trust store
 * @param startWait {@code redis_start_wait_seconds}: how long a starting node retries a Redis that does not answer
 * @param replicasToAck {@code redis_replicas_to_ack}: how many replicas must hold a batch of writes before the node
 *                  acknowledges it (Redis WAIT); -1 when not set: 1 on Redis Cluster, 0 on one Redis
 */
public record RedisAccess(String password, Path caFile, Duration startWait, int replicasToAck) {
    /** The environment variable that holds the Redis password. */
    public static final String PASSWORD_VARIABLE = "SPARTAN_REDIS_PASSWORD";

    public static final Duration DEFAULT_START_WAIT = Duration.ofSeconds(60);
    public static final RedisAccess DEFAULTS = new RedisAccess(null, null, DEFAULT_START_WAIT);

    /** The user-info of a URI: {@code redis://user:password@} or {@code redis://password@} (Lettuce's short form). */
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)([^@/?#]*)@");

    public RedisAccess {
        Objects.requireNonNull(startWait, "startWait");
    }

    public RedisAccess(String password, Path caFile, Duration startWait) {
        this(password, caFile, startWait, -1);
    }

    public RedisAccess withPassword(String secret) {
        return new RedisAccess(secret, caFile, startWait, replicasToAck);
    }

    /** The replicas a write waits for: {@link #replicasToAck} if set, else 1 on a cluster and 0 on one Redis. */
    public int replicasToAck(boolean cluster) {
        return replicasToAck >= 0 ? replicasToAck : cluster ? 1 : 0;
    }

    /** The URI as it may be printed: a password in it replaced by {@code ***}. */
    public static String redact(String uri) {
        if (uri == null) {
            return null;
        }
        Matcher m = USER_INFO.matcher(uri);
        if (!m.find()) {
            return uri;
        }
        String info = m.group(2);
        int colon = info.indexOf(':');
        String shown = colon < 0 ? "***" : info.substring(0, colon + 1) + "***";
        return m.group(1) + shown + "@" + uri.substring(m.end());
    }

    /** The ACL user a URI names ({@code redis://user:password@...} or {@code redis://user:@...}), or null. */
    public static String username(String uri) {
        Matcher m = USER_INFO.matcher(uri);
        if (!m.find()) {
            return null;
        }
        int colon = m.group(2).indexOf(':');
        return colon > 0 ? m.group(2).substring(0, colon) : null;
    }

    /** Whether the URI carries a password of its own. */
    public static boolean hasPassword(String uri) {
        return !redact(uri).equals(uri);
    }

    @Override
    public String toString() {
        return "RedisAccess[password=" + (password == null ? "none" : "***") + ", caFile=" + caFile + ", startWait="
                + startWait + "]";
    }
}
