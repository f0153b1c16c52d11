package dev.spartan.client;

import dev.spartan.contract.Membership;
import dev.spartan.proto.Group;
import dev.spartan.proto.Invitation;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The groups this user is invited to and has not answered (PROTOCOL.md, "Group invitations"). An invitation is a
 * verified group whose {@code invited} list names this user with an expiry still ahead; until it is answered the
 * group reads nothing of this user's and sends nothing to them, so it is kept apart from the groups this user is in.
 */
public final class Invitations {
    /** One open invitation, as the front ends show it. */
    public record Open(Group group, String inviter, List<String> others) {
        /** The question: {@code mallory added you to 'x' with alice, eve.} */
        public String question() {
            return inviter + " added you to '" + group.getName() + "'"
                    + (others.isEmpty() ? "" : " with " + String.join(", ", others)) + ".";
        }
    }

    private final String user;
    private final Clock clock;
    private final Map<String, Open> open = new ConcurrentHashMap<>();

    Invitations(String user, Clock clock) {
        this.user = Objects.requireNonNull(user, "user");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether a verified group names this user as invited (expired or not): then it is not a group they are in. */
    boolean invites(Group verified) {
        return verified.getInvitedList().stream().anyMatch(i -> i.getUser().equals(user));
    }

    /**
     * Takes a verified group that invites this user; returns the invitation if it is new and still open, so the user
     * is asked once per run.
     */
    Optional<Open> offer(Group verified) {
        long expires = verified.getInvitedList().stream()
                .filter(i -> i.getUser().equals(user))
                .mapToLong(Invitation::getExpiresAtMillis)
                .findFirst()
                .orElse(Long.MIN_VALUE);
        if (expires <= clock.millis()) {
            open.remove(verified.getName());
            return Optional.empty();
        }
        String inviter = inviter(verified);
        Open invitation = new Open(
                verified,
                inviter,
                verified.getMembersList().stream()
                        .filter(m -> !m.equals(user) && !m.equals(inviter))
                        .toList());
        return open.put(verified.getName(), invitation) == null ? Optional.of(invitation) : Optional.empty();
    }

    Optional<Open> get(String group) {
        return Optional.ofNullable(open.get(group));
    }

    void answered(String group) {
        open.remove(group);
    }

    /** Drops the invitations not among {@code names} (a complete list read now). */
    void retain(java.util.Set<String> names) {
        open.keySet().retainAll(names);
    }

    /** The creator: the actor of the group's first (CREATE) statement, verified with the group. */
    private static String inviter(Group g) {
        try {
            return Membership.parse(g.getChain(0)).getActor();
        } catch (Membership.Refused | IndexOutOfBoundsException e) {
            return "someone";
        }
    }
}
