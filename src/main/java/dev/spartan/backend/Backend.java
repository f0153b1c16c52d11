package dev.spartan.backend;

import dev.spartan.chat.RecentMessages;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.store.MessageStore;
import io.grpc.ServerInterceptor;
import java.util.function.Consumer;

/** The parts that differ between the embedded node and a Redis cluster node. */
public interface Backend extends AutoCloseable {
    MessageStore store();

    /** The interceptor that enforces {@code @RateLimit} on the given services. */
    ServerInterceptor rateLimiting(SpartanConfig config, Object... services);

    Presence presence(DeliveryHub hub);

    /** Connects cross-node notifications, if any. */
    default void connect(DeliveryHub hub, RecentMessages recent) {}

    /** Tells {@code serving} whether the store answers, whenever that changes (a Redis that went away, or came back). */
    default void onHealth(Consumer<Boolean> serving) {}

    @Override
    void close();
}
