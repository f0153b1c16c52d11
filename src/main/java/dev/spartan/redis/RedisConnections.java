package dev.spartan.redis;

import dev.spartan.config.RedisAccess;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The connections of a node in Redis mode, to one Redis ({@code redis://}) or to a Redis Cluster ({@code
 * redis-cluster://}): the store's ({@link #store}), one of strings for rate limits and presence, and pub/sub.
 */
public final class RedisConnections implements AutoCloseable {
    /** How often a cluster client re-reads the topology even when nothing told it to. */
    public static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(1);

    private final AbstractRedisClient client;
    private final RedisTarget store;
    private final RedisClusterCommands<String, String> strings;
    private final RedisClusterAsyncCommands<String, String> stringsAsync;
    private final Supplier<StatefulRedisPubSubConnection<String, String>> pubSub;
    private final AutoCloseable[] connections;

    private RedisConnections(
            AbstractRedisClient client,
            RedisTarget store,
            RedisClusterCommands<String, String> strings,
            RedisClusterAsyncCommands<String, String> stringsAsync,
            Supplier<StatefulRedisPubSubConnection<String, String>> pubSub,
            AutoCloseable... connections) {
        this.client = client;
        this.store = store;
        this.strings = strings;
        this.stringsAsync = stringsAsync;
        this.pubSub = pubSub;
        this.connections = connections;
    }

    /**
     * Connects, waiting up to {@code access.startWait()} for Redis to answer.
     *
     * @throws RedisUnreachableException if it never does
     */
    public static RedisConnections open(String uri, RedisAccess access) {
        return dev.spartan.config.ClusterSeeds.isCluster(uri) ? cluster(uri, access) : single(uri, access);
    }

    private static RedisConnections single(String uri, RedisAccess access) {
        RedisClient client = RedisClients.create(uri, access);
        try {
            RedisClients.awaitReachable(client, uri, access.startWait());
            StatefulRedisConnection<String, byte[]> bytes =
                    client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            StatefulRedisConnection<String, String> strings = client.connect();
            return new RedisConnections(
                    client,
                    new SingleRedis(bytes),
                    strings.sync(),
                    strings.async(),
                    client::connectPubSub,
                    bytes,
                    strings);
        } catch (RuntimeException e) {
            RedisClients.shutdownWithin(client);
            throw e;
        }
    }

    private static RedisConnections cluster(String uri, RedisAccess access) {
        List<io.lettuce.core.RedisURI> seeds = ClusterUri.seeds(uri);
        for (io.lettuce.core.RedisURI seed : seeds) {
            seed.setTimeout(RedisClients.COMMAND_TIMEOUT);
            if (access.password() != null) {
                String user = RedisAccess.username(uri);
                if (user != null) {
                    seed.setAuthentication(user, access.password());
                } else {
                    seed.setAuthentication(access.password());
                }
            }
        }
        RedisClusterClient client = RedisClusterClient.create(seeds);
        ClusterClientOptions.Builder options = ClusterClientOptions.builder()
                // Follow a failover without a restart: re-read the topology every second, and at once on a
                // redirect or a connection that keeps failing.
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(Duration.ofMillis(200))
                        .build());
        if (access.caFile() != null) {
            options.sslOptions(SslOptions.builder()
                    .jdkSslProvider()
                    .trustManager(access.caFile().toFile())
                    .build());
        }
        client.setOptions(options.build());
        client.addListener(CommandErrors.INSTANCE);
        try {
            RedisClients.awaitReachable(
                    () -> {
                        try (StatefulRedisClusterConnection<String, String> probe = client.connect()) {
                            probe.sync().ping();
                        }
                    },
                    uri,
                    access.startWait());
            StatefulRedisClusterConnection<String, byte[]> bytes =
                    client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            StatefulRedisClusterConnection<String, String> strings = client.connect();
            return new RedisConnections(
                    client,
                    new ClusterRedis(bytes),
                    strings.sync(),
                    strings.async(),
                    client::connectPubSub,
                    bytes,
                    strings);
        } catch (RuntimeException e) {
            RedisClients.shutdownWithin(client);
            throw e;
        }
    }

    public RedisTarget store() {
        return store;
    }

    public boolean cluster() {
        return store.cluster();
    }

    public RedisClusterCommands<String, String> strings() {
        return strings;
    }

    public RedisClusterAsyncCommands<String, String> stringsAsync() {
        return stringsAsync;
    }

    /** A new pub/sub connection (on a cluster, one that can subscribe to sharded channels on any node). */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        return pubSub.get();
    }

    /** Closes within a bounded time ({@link RedisClients#closeWithin}). */
    @Override
    public void close() {
        for (AutoCloseable c : connections) {
            try {
                if (c instanceof io.lettuce.core.api.AsyncCloseable async) {
                    RedisClients.closeWithin(async);
                } else {
                    c.close();
                }
            } catch (Exception e) {
                // closing anyway
            }
        }
        RedisClients.shutdownWithin(client);
    }
}
