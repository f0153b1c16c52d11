package dev.spartan.store;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a retention sweep removes, as instants in milliseconds since 1970 (the server's send time of a message is
 * compared with them); 0 removes nothing of that kind. The same sweep also removes what senders chose to remove
 * (issue 26): messages whose own timer ran out by {@code now}, and the messages named in {@code deleted}. Those go
 * from inboxes, holds and histories alike, and their senders are not told (they asked for it).
 *
 * @param undelivered messages in an inbox, not yet acknowledged by their reader, sent before this
 * @param held        messages held for a chat request that was never answered, sent before this
 * @param history     messages of conversations' recent history, sent before this
 * @param now         messages with an expiry at or before this go everywhere (0: none do)
 * @param deleted     "sender:message_id" of messages deleted for everyone by their sender
 */
public record Cutoffs(long undelivered, long held, long history, long now, Set<String> deleted) {
    public Cutoffs {
        deleted = Set.copyOf(deleted);
    }

    public Cutoffs(long undelivered, long held, long history) {
        this(undelivered, held, history, 0, Set.of());
    }

    /** Only the given messages of {@code sender}: a delete for everyone. */
    public static Cutoffs deleting(String sender, Collection<String> messageIds) {
        return new Cutoffs(
                0, 0, 0, 0, messageIds.stream().map(id -> sender + ":" + id).collect(Collectors.toSet()));
    }

    static boolean expired(long sentAtMillis, long cutoff) {
        return cutoff > 0 && sentAtMillis < cutoff;
    }

    /** True if the sweep looks at inboxes (resp. holds, histories) at all. */
    boolean sweeps(long cutoff) {
        return cutoff > 0 || now > 0 || !deleted.isEmpty();
    }

    /** Its sender chose that this message goes now: its timer ran out, or they deleted it. */
    boolean chosen(String sender, String messageId, long expiresAtMillis) {
        return (now > 0 && expiresAtMillis > 0 && expiresAtMillis <= now)
                || (!deleted.isEmpty() && deleted.contains(sender + ":" + messageId));
    }
}
