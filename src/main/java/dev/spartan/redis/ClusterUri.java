package dev.spartan.redis;

import dev.spartan.config.ClusterSeeds;
import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code redis-cluster://[user:password@]host:port,host:port,...} (or {@code rediss-cluster://} for TLS): the seed
 * nodes of a Redis Cluster. Any one that answers is enough; the client learns the rest of the topology from it.
 */
public final class ClusterUri {
    private ClusterUri() {}

    /** One {@link RedisURI} per seed node, each with the user and password of the URI. */
    public static List<RedisURI> seeds(String uri) {
        String userInfo = ClusterSeeds.userInfo(uri);
        List<RedisURI> out = new ArrayList<>();
        for (ClusterSeeds.Seed s : ClusterSeeds.seeds(uri)) {
            RedisURI seed = RedisURI.builder()
                    .withHost(s.host())
                    .withPort(s.port())
                    .withSsl(ClusterSeeds.tls(uri))
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
