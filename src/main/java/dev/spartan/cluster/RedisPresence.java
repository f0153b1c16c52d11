package dev.spartan.cluster;

import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.redis.RedisClients;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Who is online across the cluster: a sorted set of users scored by when their entry lapses. Each node renews its
 * own users' entries, so the users of a node that dies drop out within {@link #TTL_MILLIS}.
 */
public final class RedisPresence implements Presence {
    private static final String KEY = RedisClients.KEY_PREFIX + "presence";
    private static final long TTL_MILLIS = 30_000;

    private final RedisClusterCommands<String, String> sync;
    private final RedisClusterAsyncCommands<String, String> async;
    private final DeliveryHub hub;
    private final Clock clock;

    public RedisPresence(
            RedisClusterCommands<String, String> sync,
            RedisClusterAsyncCommands<String, String> async,
            DeliveryHub hub,
            ScheduledExecutorService timer,
            Clock clock) {
        this.sync = Objects.requireNonNull(sync, "sync");
        this.async = Objects.requireNonNull(async, "async");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.clock = Objects.requireNonNull(clock, "clock");
        var unused = timer.scheduleWithFixedDelay(this::renew, TTL_MILLIS / 3, TTL_MILLIS / 3, TimeUnit.MILLISECONDS);
    }

    /** Also told of each user online here, as each renewal: on Redis Cluster, where the user's events go. */
    private volatile java.util.function.Consumer<String> whereabouts = user -> {};

    public void tellWhereabouts(java.util.function.Consumer<String> whereabouts) {
        this.whereabouts = Objects.requireNonNull(whereabouts, "whereabouts");
    }

    @Override
    public void online(String user) {
        whereabouts.accept(user);
        double lapsesAt = clock.millis() + TTL_MILLIS;
        quietly(() -> async.zadd(KEY, lapsesAt, user));
    }

    @Override
    public void offline(String user) {
        if (!hub.onlineHere().contains(user)) {
            quietly(() -> async.zrem(KEY, user));
        }
    }

    @Override
    public Set<String> online() {
        try {
            return new LinkedHashSet<>(
                    sync.zrangebyscore(KEY, Range.create((double) clock.millis(), Double.POSITIVE_INFINITY)));
        } catch (RedisException e) {
            return hub.onlineHere(); // degraded: at least this node's users
        }
    }

    private void renew() {
        hub.onlineHere().forEach(this::online);
    }

    /** Sends a command without waiting for its reply. */
    private static void quietly(Supplier<RedisFuture<Long>> command) {
        try {
            var unused = command.get();
        } catch (RedisException e) {
            // Presence is advisory; the next renewal repairs it.
        }
    }
}
