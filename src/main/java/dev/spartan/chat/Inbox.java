package dev.spartan.chat;

import dev.spartan.store.MessageStore;
import java.util.Objects;

/**
 * The rules of a user's position in their inbox: where a stream resumes, and what an ack may forget. Sequence
 * numbers belong to one store; a position from another store (another epoch) means nothing here.
 */
public final class Inbox {
    private final MessageStore store;

    public Inbox(MessageStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public String epoch() {
        return store.epoch();
    }

    /**
     * Where a stream of {@code me} starts: after {@code afterSeq} if it is a position in this store, otherwise after
     * what {@code me} has acknowledged here. A position from another epoch, or above any this inbox has given out
     * (a client of a store that was replaced), would skip events this store has never sent.
     */
    public long resumeAfter(String me, long afterSeq, String epoch) {
        boolean thisStore = epoch.isEmpty() || epoch.equals(store.epoch());
        if (!thisStore || afterSeq < 0 || afterSeq > store.lastSeq(me)) {
            return 0;
        }
        return afterSeq;
    }

    /**
     * Forgets {@code me}'s events up to {@code seq}. Refused, forgetting nothing, if {@code seq} is above the last
     * event this inbox has given out (events not yet stored must never be trimmed in advance), or counts another
     * store's events.
     */
    public void ack(String me, long seq, String epoch) {
        if (!epoch.isEmpty() && !epoch.equals(store.epoch())) {
            throw Refusal.precondition("this ack counts the events of another store (epoch " + epoch
                    + "); the server's store is " + store.epoch() + ": open the stream again from after_seq 0");
        }
        if (seq < 0) {
            throw Refusal.invalid("seq " + Long.toUnsignedString(seq) + " is not an event of yours yet: the last one"
                    + " is " + store.lastSeq(me));
        }
        if (!store.ack(me, seq)) {
            throw Refusal.invalid("seq " + seq + " is not an event of yours yet: the last one is " + store.lastSeq(me));
        }
    }
}
