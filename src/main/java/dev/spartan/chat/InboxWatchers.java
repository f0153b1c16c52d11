package dev.spartan.chat;

import dev.spartan.proto.Event;
import java.util.Collection;
import java.util.Map;

/**
 * Whoever reads inboxes (the open streams, on this node and others) and wants to hear when they change. The rules
 * call it after the store has committed, so a watcher that looks finds what it was told about.
 */
public interface InboxWatchers {
    /** Something was stored in these users' inboxes; their streams should look. */
    void inboxesGrew(Collection<String> users);

    /** These events were stored, one per user's inbox; a stream may send its event as it is, without reading it. */
    void eventsStored(Map<String, Event> stored);
}
