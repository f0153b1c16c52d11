package dev.spartan.store;

import java.util.Objects;

/**
 * The state a conversation must be in for a message to be saved, as plain values so that each store checks it where it
 * keeps the state: in Java under a lock (embedded), or inside the send script (Redis). The guarded value is one field
 * of a table, absent reading as the empty string: {@code deliverIf} delivers, {@code holdIf} (when there is one) holds,
 * and any other value refuses the message and is told to the caller.
 */
public record Guard(Table table, String field, String deliverIf, String holdIf) {
    public enum Table {
        PAIRS,
        GROUP_VERSIONS
    }

    public Guard {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(deliverIf, "deliverIf");
    }

    /** A 1:1 message: delivered once the chat is accepted, held while the sender's own request is pending. */
    public static Guard pair(String pairKey, String sender) {
        return new Guard(
                Table.PAIRS,
                pairKey,
                PairState.ACCEPTED.encode(),
                PairState.pendingFrom(sender).encode());
    }

    /**
     * A group message: accepted only while the group is at the version its members were read at, so that no message
     * is encrypted for a membership that has changed since.
     */
    public static Guard groupAt(String group, long version) {
        return new Guard(Table.GROUP_VERSIONS, group, encodeVersion(version), null);
    }

    static String encodeVersion(long version) {
        return version == 0 ? "" : Long.toString(version);
    }

    enum Verdict {
        DELIVER,
        HOLD,
        REFUSE
    }

    Verdict decide(String current) {
        if (deliverIf.equals(current)) {
            return Verdict.DELIVER;
        }
        return holdIf != null && holdIf.equals(current) ? Verdict.HOLD : Verdict.REFUSE;
    }
}
