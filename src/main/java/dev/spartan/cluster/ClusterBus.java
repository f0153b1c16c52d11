package dev.spartan.cluster;

import dev.spartan.chat.RecentMessages;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.RemoteNodes;
import dev.spartan.proto.Event;
import dev.spartan.redis.RedisClients;
import dev.spartan.redis.RedisConnections;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-node signals over Redis pub/sub. Pub/sub only says "look again": the data itself is in the shared store, so
 * a lost signal delays nothing for long: when the subscription comes back, every local stream looks at its inbox.
 *
 * <p>A message on {@value #CHANNEL} is one or more lines: {@code N <node> user,user} (inboxes grew),
 * {@code E <node> payload} (these events were stored in these inboxes: see {@link StoredEvents}),
 * {@code H <node> chatKey,chatKey} (histories changed), {@code S <node> user} (user opened a stream on that node),
 * {@code X <node> REASON user} (the user's sessions on other nodes end: a new login there, or the operator's reset).
 * {@code E} lets a stream on another node send a new message without reading it back from Redis; like every offer it
 * is only a shortcut, taken when it is the stream's next sequence number.
 *
 * <p>Inbox and history signals are coalesced: a send adds its users and chat to pending sets and, unless a flush is
 * already queued, queues one. At low load each send is published at once; under load, every send that arrives while
 * one publish is being made rides on the next, so the bus costs one publish per batch, not two per message.
 */
public final class ClusterBus implements RemoteNodes, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);
    static final String CHANNEL = RedisClients.KEY_PREFIX + "bus";
    /**
     * Keeps each publish small (Redis drops a subscriber whose output buffer passes 32 MB) and each event carried
     * cheap: every node decodes every publish.
     */
    private static final long MAX_PUBLISH_BYTES = 256 * 1024;

    private static final int MAX_EVENT_BYTES = 16 * 1024;

    private final String nodeId;
    private volatile boolean newerBusSeen;
    private final RedisClusterAsyncCommands<String, String> publisher;
    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final Set<String> grownInboxes = ConcurrentHashMap.newKeySet();
    private final Set<String> changedChats = ConcurrentHashMap.newKeySet();
    private final Queue<Map.Entry<String, Event>> storedEvents = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final ExecutorService flusher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cluster-bus-flush");
        t.setDaemon(true);
        return t;
    });

    /** On Redis Cluster: the readers' nodes and their sharded channels; null on one Redis (every signal broadcast). */
    private final NodeChannels channels;

    private final LongAdder received = new LongAdder();
    private volatile boolean shardSubscribed;
    private final ScheduledExecutorService resubscriber;

    public ClusterBus(RedisConnections redis, String nodeId, DeliveryHub hub, RecentMessages recent) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.publisher = redis.stringsAsync();
        this.subscriber = redis.connectPubSub();
        this.channels = redis.cluster() ? new NodeChannels(redis.strings(), redis.stringsAsync()) : null;
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void ssubscribed(String channel, long count) {
                if (!shardSubscribed) { // first time, or again after the shard was lost (failover, reconnect)
                    shardSubscribed = true;
                    hub.signalAllHere();
                }
            }

            @Override
            public void sunsubscribed(String channel, long count) {
                shardSubscribed = false; // the slot moved: the timer subscribes again where it is now
            }

            @Override
            public void smessage(String channel, String message) {
                message(channel, message);
            }

            @Override
            public void subscribed(String channel, long count) {
                // Also after a reconnect, once Lettuce has subscribed again: whatever was published while we were
                // away is lost, so every stream looks at its inbox and every cached history is read again.
                hub.signalAllHere();
                recent.invalidateAll();
            }

            @Override
            public void message(String channel, String message) {
                if (!message.contains(" " + nodeId + "/")) {
                    received.increment(); // from another node (a node hears its own broadcasts too)
                }
                for (String line : message.split("\n", -1)) {
                    try {
                        receive(line, hub, recent);
                    } catch (RuntimeException e) {
                        // One line that cannot be acted on must not cost the lines after it, nor the subscription.
                        log.warn("bus line not applied: {}", line, e);
                    }
                }
            }
        });

        subscriber.sync().subscribe(CHANNEL);
        if (channels != null) {
            subscriber.sync().ssubscribe(NodeChannels.channel(nodeId));
            // A sharded subscription does not follow its slot to a promoted replica by itself: subscribe again
            // every second (a no-op while it holds; after a loss, ssubscribed() has every stream here look).
            resubscriber = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cluster-bus-resubscribe");
                t.setDaemon(true);
                return t;
            });
            var unused = resubscriber.scheduleWithFixedDelay(this::resubscribe, 1, 1, TimeUnit.SECONDS);
        } else {
            resubscriber = null;
        }
        hub.setRemote(this);
        if (channels != null) {
            recent.onRemoval(this::historyChanged); // additions: the cache checks the newest chat_seq on read
        } else {
            recent.onChange(this::historyChanged);
        }
    }

    private void resubscribe() {
        try {
            var unused = subscriber.async().ssubscribe(NodeChannels.channel(nodeId));
        } catch (RuntimeException e) {
            shardSubscribed = false; // not subscribed now: the next try that succeeds has every stream look
        }
    }

    /** On Redis Cluster, the node's users' presence says where to send their events. */
    public void here(String user) {
        if (channels != null) {
            channels.here(user, nodeId);
        }
    }

    @Override
    public long messagesReceived() {
        return received.sum();
    }

    private void receive(String text, DeliveryHub hub, RecentMessages recent) {
        Optional<BusLine> parsed = BusLine.parse(text);
        if (parsed.isEmpty()) {
            log.debug("unknown bus line {}", text);
            return;
        }
        BusLine line = parsed.get();
        if (line.node().equals(nodeId)) {
            return;
        }
        if (BusLine.version(text) > BusLine.VERSION && !newerBusSeen) {
            newerBusSeen = true; // a rolling upgrade under way: what this node does not know it reads as nothing
            log.info(
                    "node {} speaks bus version {} (this node {}): lines of kinds this node does not know are"
                            + " ignored",
                    line.node(),
                    BusLine.version(text),
                    BusLine.VERSION);
        }
        switch (line.kind()) {
            case INBOXES_GREW -> line.names().forEach(hub::signalHere);
            case HISTORIES_CHANGED -> line.names().forEach(recent::invalidate);
            case EVENTS_STORED -> line.events().forEach(e -> hub.offerHere(e.getKey(), e.getValue()));
            case UNREADABLE_EVENTS -> {
                log.warn("unreadable stored events from node {}; every stream here looks at its inbox", line.node());
                hub.signalAllHere();
            }
            case STREAM_OPENED -> line.names().forEach(hub::replacedElsewhere);
            case SESSIONS_ENDED ->
                hub.sessionsEndedElsewhere(line.names().get(1), line.names().get(0));
        }
    }

    @Override
    public void inboxesGrew(Collection<String> users) {
        grownInboxes.addAll(users);
        queueFlush();
    }

    @Override
    public void eventsStored(Map<String, Event> stored) {
        stored.forEach((user, event) -> {
            if (event.getSerializedSize() <= MAX_EVENT_BYTES) {
                storedEvents.add(Map.entry(user, event));
            } else {
                grownInboxes.add(user); // big: let its node read it from Redis rather than carry it to every node
            }
        });
        queueFlush();
    }

    @Override
    public void attached(String user) {
        var unused = publisher.publish(CHANNEL, line(BusLine.Kind.STREAM_OPENED, user));
    }

    @Override
    public void sessionsEnded(String user, String reason) {
        var unused = publisher.publish(CHANNEL, line(BusLine.Kind.SESSIONS_ENDED, reason + " " + user));
    }

    private void historyChanged(String chatKey) {
        changedChats.add(chatKey);
        queueFlush();
    }

    private void queueFlush() {
        if (flushQueued.compareAndSet(false, true)) {
            flusher.execute(this::flush);
        }
    }

    private void flush() {
        // Cleared before draining: a signal added after this line queues the next flush, so none is stranded.
        flushQueued.set(false);
        if (channels != null) {
            flushToNodes();
            return;
        }
        List<String> lines = new ArrayList<>(2);
        String users = drain(grownInboxes);
        if (!users.isEmpty()) {
            lines.add(line(BusLine.Kind.INBOXES_GREW, users));
        }
        String chats = drain(changedChats);
        if (!chats.isEmpty()) {
            lines.add(line(BusLine.Kind.HISTORIES_CHANGED, chats));
        }
        List<Map.Entry<String, Event>> events = new ArrayList<>();
        long bytes = 0;
        for (Map.Entry<String, Event> e; bytes < MAX_PUBLISH_BYTES && (e = storedEvents.poll()) != null; ) {
            events.add(e);
            bytes += e.getValue().getSerializedSize();
        }
        if (!events.isEmpty()) {
            lines.add(line(BusLine.Kind.EVENTS_STORED, StoredEvents.encode(events)));
            if (!storedEvents.isEmpty()) {
                queueFlush(); // the rest in the next publish
            }
        }
        if (!lines.isEmpty()) {
            // Fire and forget: a lost signal is recovered by the resubscribe above, and waiting would slow every send.
            var unused = publisher.publish(CHANNEL, String.join("\n", lines));
        }
    }

    /**
     * Redis Cluster: history changes to every node (any may cache the chat), inbox signals and stored events only to
     * the nodes that hold a stream of the reader. Should the lookup fail, everything is broadcast, as on one Redis.
     */
    private void flushToNodes() {
        String chats = drain(changedChats);
        if (!chats.isEmpty()) {
            var unused = publisher.publish(CHANNEL, line(BusLine.Kind.HISTORIES_CHANGED, chats));
        }
        Set<String> grown = new java.util.HashSet<>(List.of(drain(grownInboxes).split(",", -1)));
        grown.remove("");
        // A name with '#' that is not a device address ("alice#2", routed as any stream) is a wait that no presence
        // entry locates (a new device waiting for its link to be answered): rare, so every node is told.
        List<String> waits = grown.stream()
                .filter(n -> dev.spartan.contract.Addresses.deviceOf(n) < 1)
                .toList();
        if (!waits.isEmpty()) {
            waits.forEach(grown::remove);
            var unused = publisher.publish(CHANNEL, line(BusLine.Kind.INBOXES_GREW, String.join(",", waits)));
        }
        List<Map.Entry<String, Event>> events = new ArrayList<>();
        long bytes = 0;
        for (Map.Entry<String, Event> e; bytes < MAX_PUBLISH_BYTES && (e = storedEvents.poll()) != null; ) {
            events.add(e);
            bytes += e.getValue().getSerializedSize();
        }
        if (!storedEvents.isEmpty()) {
            queueFlush();
        }
        Set<String> readers = new java.util.HashSet<>(grown);
        events.forEach(e -> readers.add(e.getKey()));
        if (readers.isEmpty()) {
            return;
        }
        Map<String, List<String>> byNode;
        try {
            byNode = channels.nodesOf(readers);
        } catch (RuntimeException e) {
            log.debug("cannot look up the readers' nodes; broadcasting", e);
            var unused = publisher.publish(CHANNEL, line(BusLine.Kind.INBOXES_GREW, String.join(",", readers)));
            return;
        }
        byNode.forEach((node, users) -> {
            if (node.equals(nodeId)) {
                return; // this node's streams were told by the hub
            }
            Set<String> theirs = new java.util.HashSet<>(users);
            List<String> lines = new ArrayList<>(2);
            String grew =
                    String.join(",", grown.stream().filter(theirs::contains).toList());
            if (!grew.isEmpty()) {
                lines.add(line(BusLine.Kind.INBOXES_GREW, grew));
            }
            List<Map.Entry<String, Event>> mine =
                    events.stream().filter(e -> theirs.contains(e.getKey())).toList();
            if (!mine.isEmpty()) {
                lines.add(line(BusLine.Kind.EVENTS_STORED, StoredEvents.encode(mine)));
            }
            if (!lines.isEmpty()) {
                channels.publish(node, String.join("\n", lines));
            }
        });
    }

    private static String drain(Set<String> pending) {
        StringBuilder out = new StringBuilder();
        for (var it = pending.iterator(); it.hasNext(); ) {
            String item = it.next();
            it.remove();
            out.append(out.length() == 0 ? "" : ",").append(item);
        }
        return out.toString();
    }

    private String line(BusLine.Kind kind, String payload) {
        return BusLine.format(kind, nodeId, payload);
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        if (resubscriber != null) {
            resubscriber.shutdownNow();
        }
        if (!RedisClients.closeWithin(subscriber)) {
            log.warn(
                    "the bus subscription did not close within {} s; the node stops without it",
                    RedisClients.CLOSE_WAIT.toSeconds());
        }
    }
}
