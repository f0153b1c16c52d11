package dev.spartan.store;

import java.util.List;
import java.util.Objects;

/**
 * What became of a {@link NewMessage}.
 *
 * @param chatSeq the message's place in its conversation (also for a duplicate: the place the first copy got);
 *                0 when refused
 * @param refusal the guarded value that refused it, when refused
 * @param inboxSeqs when delivered: the inbox sequence number it got in each recipient's inbox, in the order of
 *                  {@link NewMessage#recipients()}; empty otherwise
 */
public record SaveResult(Outcome outcome, long chatSeq, String refusal, List<Long> inboxSeqs) {
    public enum Outcome {
        DELIVERED,
        HELD,
        DUPLICATE,
        REFUSED,
        /** The chat is pending and already holds as much as its {@link HoldLimit} allows: nothing was stored. */
        HOLD_FULL
    }

    public SaveResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(refusal, "refusal");
        inboxSeqs = List.copyOf(inboxSeqs);
    }

    static SaveResult of(Outcome outcome, long chatSeq) {
        return new SaveResult(outcome, chatSeq, "", List.of());
    }

    static SaveResult delivered(long chatSeq, List<Long> inboxSeqs) {
        return new SaveResult(Outcome.DELIVERED, chatSeq, "", inboxSeqs);
    }

    static SaveResult refused(String current) {
        return new SaveResult(Outcome.REFUSED, 0, current, List.of());
    }

    /** For a refused 1:1 message: where the pair stands. */
    public PairState refusedPairState() {
        return PairState.decode(refusal.isEmpty() ? null : refusal);
    }
}
