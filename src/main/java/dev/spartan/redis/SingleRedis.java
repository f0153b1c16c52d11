package dev.spartan.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.Objects;

/** One Redis: every command down one connection, keys named as in layout 2. */
public final class SingleRedis implements RedisTarget {
    private final StatefulRedisConnection<String, byte[]> connection;

    public SingleRedis(StatefulRedisConnection<String, byte[]> connection) {
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

    @Override
    public RedisAsyncCommands<String, byte[]> node(String key) {
        return connection.async();
    }

    @Override
    public RedisKeys keys() {
        return RedisKeys.SINGLE;
    }
}
