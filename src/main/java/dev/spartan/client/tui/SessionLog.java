package dev.spartan.client.tui;

import dev.spartan.client.Incoming;
import dev.spartan.client.SendState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages shown in this session, per chat, the last {@link #KEEP} of each: what switching back to a chat and
 * {@code /history N} show beyond the few the server keeps. In memory only: plaintext is never written to disk.
 */
final class SessionLog {
    static final int KEEP = 500;

    /** A message as shown, with the delivery state of one's own. */
    static final class Entry {
        final Incoming message;
        volatile SendState state;

        Entry(Incoming message, SendState state) {
            this.message = message;
            this.state = state;
        }
    }

    private final Map<String, Deque<Entry>> chats = new HashMap<>();
    private final Map<String, Entry> byId = new HashMap<>();

    synchronized void add(String chat, Incoming message, SendState state) {
        if (byId.containsKey(message.messageId())) {
            return;
        }
        Deque<Entry> log = chats.computeIfAbsent(chat, c -> new ArrayDeque<>());
        Entry e = new Entry(message, state);
        log.addLast(e);
        byId.put(message.messageId(), e);
        if (log.size() > KEEP) {
            byId.remove(log.removeFirst().message.messageId());
        }
    }

    /** Records a message's new delivery state; false if it would take back a peer's confirmation (then kept). */
    synchronized boolean state(String messageId, SendState state) {
        Entry e = byId.get(messageId);
        if (e == null) {
            return true;
        }
        if (e.state != null && !state.replaces(e.state)) {
            return false;
        }
        e.state = state;
        return true;
    }

    synchronized boolean has(String messageId) {
        return byId.containsKey(messageId);
    }

    /** The last {@code n} messages of a chat, oldest first. */
    synchronized List<Entry> last(String chat, int n) {
        List<Entry> all = new ArrayList<>(chats.getOrDefault(chat, new ArrayDeque<>()));
        return all.subList(Math.max(0, all.size() - n), all.size());
    }
}
