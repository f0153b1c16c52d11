package dev.spartan.store;

import java.util.Objects;

/**
 * Where a 1:1 conversation stands. Declining returns a pair to {@link Status#NONE}; messages already held stay held
 * until some later request between the two is accepted.
 */
public record PairState(Status status, String requester) {
    public enum Status {
        NONE,
        PENDING,
        ACCEPTED
    }

    public static final PairState NONE = new PairState(Status.NONE, "");
    public static final PairState ACCEPTED = new PairState(Status.ACCEPTED, "");

    public PairState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(requester, "requester");
    }

    public static PairState pendingFrom(String requester) {
        return new PairState(Status.PENDING, requester);
    }

    public boolean isPendingFrom(String user) {
        return status == Status.PENDING && requester.equals(user);
    }

    String encode() {
        return status.name() + ":" + requester;
    }

    static PairState decode(String s) {
        if (s == null) {
            return NONE;
        }
        int i = s.indexOf(':');
        return new PairState(Status.valueOf(s.substring(0, i)), s.substring(i + 1));
    }

    /** One key per unordered pair, so alice|bob and bob|alice are the same conversation. */
    public static String pairKey(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }
}
