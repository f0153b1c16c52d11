package dev.spartan.delivery;

import dev.spartan.proto.Event;
import java.util.Collection;
import java.util.Map;

/** How a node tells the other nodes of a cluster what happened here. A single node tells no one. */
public interface RemoteNodes {
    RemoteNodes NONE = new RemoteNodes() {
        @Override
        public void inboxesGrew(Collection<String> users) {}

        @Override
        public void eventsStored(Map<String, Event> stored) {}

        @Override
        public void attached(String user) {}
    };

    /** Something was stored in these users' inboxes: their streams elsewhere should look. */
    void inboxesGrew(Collection<String> users);

    /** These events were stored in these users' inboxes: streams elsewhere may send them as they are. */
    void eventsStored(Map<String, Event> stored);

    /** The user opened a stream here: a stream of theirs elsewhere is replaced. */
    void attached(String user);

    /** The user's sessions on other nodes end for {@code reason} (a new login here, the operator's reset). */
    default void sessionsEnded(String user, String reason) {}

    /** Bus messages this node received from the other nodes (metric {@code spartan_bus_messages_received_total}). */
    default long messagesReceived() {
        return 0;
    }
}
