package dev.spartan.redis;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * What the store runs its commands against: one Redis or a Redis Cluster, through the command interfaces both share,
 * so the store has one code for both. Keyed commands sent through {@link #sync} or {@link #async} go to the node
 * that serves the key's slot (following redirects on a cluster).
 */
public interface RedisTarget {
    RedisClusterCommands<String, byte[]> sync();

    RedisClusterAsyncCommands<String, byte[]> async();

    /**
     * The connection of the node serving {@code key}'s slot now. A script and the {@code WAIT} after it must go down
     * the same connection, since WAIT counts what that connection wrote: on one Redis this is simply the connection.
     */
    RedisAsyncCommands<String, byte[]> node(String key);

    /** How the keys are named: hash-tagged on a cluster. */
    RedisKeys keys();

    default boolean cluster() {
        return keys().tagged();
    }
}
