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

    /** "2 messages to bob are still queued; they will be sent": what quitting now leaves behind. */
    public static String stillQueued(Map<ChatRef, Integer> left) {
        boolean one = total(left) == 1;
        return describe(left) + (one ? " is still queued; it will be sent" : " are still queued; they will be sent");
    }

    /** After a decline: "2 messages to foo are kept: /chat foo asks again, /discard drops them." */
    public static String kept(String peer, int count) {
        boolean one = count == 1;
        return count + (one ? " message" : " messages") + " to " + peer + (one ? " is" : " are") + " kept: /chat "
                + peer + " asks again, /discard drops " + (one ? "it." : "them.");
    }

    public static int total(Map<ChatRef, Integer> perChat) {
        return perChat.values().stream().mapToInt(Integer::intValue).sum();
    }
}
