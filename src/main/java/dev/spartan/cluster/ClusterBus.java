package dev.spartan.cluster;

import dev.spartan.chat.RecentMessages;
import dev.spartan.server.DeliveryHub;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.util.Collection;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-node signals over Redis pub/sub. Pub/sub only says "look again": the data itself is in the shared store, so
 * a lost signal delays nothing for long: when the subscription comes back, every local stream looks at its inbox.
 *
 * <p>Messages on {@value #CHANNEL}: {@code N <node> user,user} (inboxes grew), {@code H <node> chatKey} (history
 * changed), {@code S <node> user} (user opened a stream on that node).
 */
final class ClusterBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);
    static final String CHANNEL = "sp:bus";

    private final String nodeId;
    private final StatefulRedisConnection<String, String> publisher;
    private final StatefulRedisPubSubConnection<String, String> subscriber;

    ClusterBus(RedisClient client, String nodeId, DeliveryHub hub, RecentMessages recent) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.publisher = client.connect();
        this.subscriber = client.connectPubSub();
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                String[] parts = message.split(" ", 3);
                if (parts.length != 3 || parts[1].equals(nodeId)) {
                    return;
                }
                switch (parts[0]) {
                    case "N" -> {
                        for (String user : parts[2].split(",")) {
                            hub.notifyLocal(user);
                        }
                    }
                    case "H" -> recent.invalidate(parts[2]);
                    case "S" -> hub.replacedElsewhere(parts[2]);
                    default -> log.debug("unknown bus message {}", message);
                }
            }
        });
        subscriber.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
                hub.signalAll();
            }
        });
        subscriber.sync().subscribe(CHANNEL);
        hub.setRemote(this::inboxesGrew, user -> publish("S", user));
        recent.onChange(chatKey -> publish("H", chatKey));
    }

    private void inboxesGrew(Collection<String> users) {
        publish("N", String.join(",", users));
    }

    private void publish(String kind, String payload) {
        // Fire and forget: a lost signal is recovered by the resubscribe above, and waiting would slow every send.
        publisher.async().publish(CHANNEL, kind + " " + nodeId + " " + payload);
    }

    @Override
    public void close() {
        subscriber.close();
        publisher.close();
    }
}
