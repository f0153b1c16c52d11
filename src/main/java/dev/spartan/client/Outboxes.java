package dev.spartan.client;

import dev.spartan.proto.ChatRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Words for what is in an outbox, shared by the client core and the terminal. */
public final class Outboxes {
    private Outboxes() {}

    /** "2 messages to bob and 1 to group1": counts per chat in the order given. */
    public static String describe(Map<ChatRef, Integer> perChat) {
        List<String> parts = new ArrayList<>();
        boolean first = true;
        for (Map.Entry<ChatRef, Integer> e : perChat.entrySet()) {
            int n = e.getValue();
            String to =
                    e.getKey().hasGroup() ? e.getKey().getGroup() : e.getKey().getUser();
            parts.add(first ? n + (n == 1 ? " message to " : " messages to ") + to : n + " to " + to);
            first = false;
        }
        if (parts.size() <= 1) {
            return String.join("", parts);
        }
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
    }

    public static int total(Map<ChatRef, Integer> perChat) {
        return perChat.values().stream().mapToInt(Integer::intValue).sum();
    }
}
