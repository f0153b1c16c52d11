package dev.spartan.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.Objects;

/** A Redis Cluster: keyed commands routed by slot, keys hash-tagged (see {@link RedisKeys}). */
public final class ClusterRedis implements RedisTarget {
    private final StatefulRedisClusterConnection<String, byte[]> connection;

    public ClusterRedis(StatefulRedisClusterConnection<String, byte[]> connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    @Override
    public RedisClusterCommands<String, byte[]> sync() {
        return connection.sync();
    }

    @Override
    public RedisClusterAsyncCommands<String, byte[]> async() {
        return connection.async();
    }

    /**
     * The primary serving the key's slot in the topology the client knows now (refreshed periodically and on
     * redirects). While a failover is under way it may be the dead primary: its commands then fail, the save is
     * answered UNAVAILABLE, and the client's resend finds the promoted replica.
     */
    @Override
    public RedisAsyncCommands<String, byte[]> node(String key) {
        RedisClusterNode primary = connection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
        if (primary == null) {
            throw new RedisException("no Redis Cluster node serves the slot of " + key + " now");
        }
        return connection
                .getConnection(primary.getUri().getHost(), primary.getUri().getPort())
                .async();
    }

    @Override
    public RedisKeys keys() {
        return RedisKeys.CLUSTER;
    }
}
