package dev.spartan.store;

import dev.spartan.proto.ChatRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Messages a retention sweep removed before they were delivered: for one sender, the ids of their messages in one
 * chat ({@code chat} as the sender addressed it: the reader of a 1:1 message, or the group).
 */
public record Expired(String sender, ChatRef chat, List<String> messageIds) {
    public Expired {
        messageIds = List.copyOf(messageIds);
    }

    /** Collects expired messages by sender and chat, each id once (a group message expires once per reader). */
    static final class Collector {
        private final Map<String, Map<ChatRef, Set<String>>> bySender = new LinkedHashMap<>();

        void add(String sender, ChatRef chat, String messageId) {
            bySender.computeIfAbsent(sender, s -> new LinkedHashMap<>())
                    .computeIfAbsent(chat, c -> new LinkedHashSet<>())
                    .add(messageId);
        }

        List<Expired> result() {
            List<Expired> out = new ArrayList<>();
            bySender.forEach((sender, chats) ->
                    chats.forEach((chat, ids) -> out.add(new Expired(sender, chat, new ArrayList<>(ids)))));
            return out;
        }
    }
}
