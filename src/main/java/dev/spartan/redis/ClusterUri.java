package dev.spartan.redis;

import dev.spartan.config.RedisAccess;
import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code redis-cluster://[user:password@]host:port,host:port,...} (or {@code rediss-cluster://} for TLS): the seed
 * nodes of a Redis Cluster. Any one that answers is enough; the client learns the rest of the topology from it.
 */
public final class ClusterUri {
    private ClusterUri() {}

    public static boolean isCluster(String uri) {
        return uri.startsWith("redis-cluster://") || uri.startsWith("rediss-cluster://");
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

    /** One {@link RedisURI} per seed node, each with the user and password of the URI. */
    public static List<RedisURI> seeds(String uri) {
        boolean tls = uri.startsWith("rediss-cluster://");
        String rest = uri.substring(uri.indexOf("://") + 3);
        String userInfo = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            rest = rest.substring(0, slash);
        }
        List<RedisURI> out = new ArrayList<>();
        for (String hostPort : rest.split(",", -1)) {
            int colon = hostPort.lastIndexOf(':');
            if (hostPort.isBlank() || colon <= 0 || colon == hostPort.length() - 1) {
                throw new IllegalArgumentException("expected host:port seed nodes separated by commas in "
                        + RedisAccess.redact(uri) + ", e.g. redis-cluster://10.0.0.1:7000,10.0.0.2:7000");
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "not a port: '" + hostPort.substring(colon + 1) + "' in " + RedisAccess.redact(uri));
            }
            RedisURI seed = RedisURI.builder()
                    .withHost(hostPort.substring(0, colon))
                    .withPort(port)
                    .withSsl(tls)
                    .build();
            if (userInfo != null && !userInfo.isEmpty()) {
                int c = userInfo.indexOf(':');
                if (c > 0) {
                    seed.setAuthentication(userInfo.substring(0, c), userInfo.substring(c + 1));
                } else {
                    seed.setAuthentication(c == 0 ? userInfo.substring(1) : userInfo);
                }
            }
            out.add(seed);
        }
        return out;
    }
}
