package dev.spartan.client.tui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Lines that arrived in chats other than the current one, per chat, until the user opens that chat. */
final class Unread {
    private final Map<String, Integer> counts = new LinkedHashMap<>();
    private final Map<String, Integer> mentions = new LinkedHashMap<>();

    /** {@code chat} is a user or group name as the user types it. */
    synchronized void arrived(String chat) {
        Integer before = counts.remove(chat);
        counts.put(chat, before == null ? 1 : before + 1); // the most recent chat last
    }

    synchronized void read(String chat) {
        counts.remove(chat);
        mentions.remove(chat);
    }

    /** An unread line of {@code chat} names this user (@name): counted apart, "group1 3 @1". */
    synchronized void mentioned(String chat) {
        mentions.merge(chat, 1, Integer::sum);
    }

    synchronized int of(String chat) {
        return counts.getOrDefault(chat, 0);
    }

    /** "alice 2", most recent first. */
    synchronized List<String> summary() {
        List<String> out = new ArrayList<>();
        counts.forEach((chat, n) ->
                out.add(0, chat + " " + n + (mentions.containsKey(chat) ? " @" + mentions.get(chat) : "")));
        return out;
    }
}
