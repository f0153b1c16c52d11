package dev.spartan.backend;

import dev.spartan.chat.RecentMessages;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.store.MessageStore;
import io.grpc.ServerInterceptor;

/** The parts that differ between the embedded node and a Redis cluster node. */
public interface Backend extends AutoCloseable {
    MessageStore store();

    /** The interceptor that enforces {@code @RateLimit} on the given services. */
    ServerInterceptor rateLimiting(SpartanConfig config, Object... services);

    Presence presence(DeliveryHub hub);

    /** The cluster's Redis for records other parts keep there (attachments), or null on an embedded node. */
    default io.lettuce.core.cluster.api.sync.RedisClusterCommands<String, String> redisStrings() {
        return null;
    }

    /** Connects cross-node notifications, if any. */
    default void connect(DeliveryHub hub, RecentMessages recent) {}

    @Override
    void close();
}
