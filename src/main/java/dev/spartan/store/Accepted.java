package dev.spartan.store;

import java.util.Objects;

/**
 * What became of a {@link NewMessage}.
 *
 * @param chatSeq the message's place in its conversation (also for a duplicate: the place the first copy got);
 *                0 when refused
 * @param refusal the guarded value that refused it, when refused
 */
public record Accepted(Outcome outcome, long chatSeq, String refusal) {
    public enum Outcome { DELIVERED, HELD, DUPLICATE, REFUSED }

    public Accepted {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(refusal, "refusal");
    }

    static Accepted of(Outcome outcome, long chatSeq) {
        return new Accepted(outcome, chatSeq, "");
    }

    static Accepted refused(String current) {
        return new Accepted(Outcome.REFUSED, 0, current);
    }

    /** For a refused 1:1 message: where the pair stands. */
    public PairState refusedPairState() {
        return PairState.decode(refusal.isEmpty() ? null : refusal);
    }
}
