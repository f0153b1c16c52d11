package dev.spartan.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of {@code redis-cluster://[user:password@]host:port,host:port,...} (or {@code rediss-cluster://} for
 * TLS): the seed nodes of a Redis Cluster. Read here, where the config is checked; the redis package connects to them.
 */
public final class ClusterSeeds {
    /** One seed node. */
    public record Seed(String host, int port) {}

    private ClusterSeeds() {}

    public static boolean isCluster(String uri) {
        return uri.startsWith("redis-cluster://") || uri.startsWith("rediss-cluster://");
    }

    public static boolean tls(String uri) {
        return uri.startsWith("rediss-cluster://");
    }

    /** Why this is not a usable cluster URI (printed: pass it redacted), or null. */
    public static String problem(String uri) {
        try {
            seeds(uri);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** What stands before the last {@code @}, or null. */
    public static String userInfo(String uri) {
        String rest = uri.substring(uri.indexOf("://") + 3);
        int at = rest.lastIndexOf('@');
        return at >= 0 ? rest.substring(0, at) : null;
    }

    /** The seed nodes, in the URI's order; throws IllegalArgumentException with a sentence for the operator. */
    public static List<Seed> seeds(String uri) {
        String rest = uri.substring(uri.indexOf("://") + 3);
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            rest = rest.substring(0, slash);
        }
        List<Seed> out = new ArrayList<>();
        for (String hostPort : rest.split(",", -1)) {
            int colon = hostPort.lastIndexOf(':');
            if (hostPort.isBlank() || colon <= 0 || colon == hostPort.length() - 1) {
                throw new IllegalArgumentException("expected host:port seed nodes separated by commas in "
                        + RedisAccess.redact(uri) + ", e.g. redis-cluster://10.0.0.1:7000,10.0.0.2:7000");
            }
            try {
                out.add(new Seed(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "not a port: '" + hostPort.substring(colon + 1) + "' in " + RedisAccess.redact(uri));
            }
        }
        return out;
    }
}
