package dev.spartan.client;

import dev.spartan.contract.Membership;
import dev.spartan.proto.CreateGroupRequest;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupAnswer;
import dev.spartan.proto.Invitation;
import dev.spartan.proto.LeaveGroupRequest;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.ListUsersResponse;
import dev.spartan.proto.SignedStatement;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.signal.libsignal.protocol.IdentityKeyPair;

/**
 * This user's groups as the client core keeps them: only ever what {@link GroupBook} verified, the groups this user
 * has joined apart from those they are only invited to ({@link Invitations}), and the calls that change them, each
 * signed by this user.
 */
final class Groups {
    private final GroupBook book;
    private final Invitations invitations;
    private final String user;
    private final IdentityKeyPair identity;
    private final Supplier<SpartanGrpc.SpartanBlockingStub> stub;
    private final Supplier<List<String>> users;
    private final ClientListener listener;
    // The members group messages are encrypted for, by group name.
    private final Map<String, Group> joined = new ConcurrentHashMap<>();

    /**
     * @param users the names that can be members at all (the server's users, from the login)
     */
    Groups(
            GroupBook book,
            Invitations invitations,
            String user,
            IdentityKeyPair identity,
            Supplier<SpartanGrpc.SpartanBlockingStub> stub,
            Supplier<List<String>> users,
            ClientListener listener) {
        this.book = Objects.requireNonNull(book, "book");
        this.invitations = Objects.requireNonNull(invitations, "invitations");
        this.user = Objects.requireNonNull(user, "user");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.stub = Objects.requireNonNull(stub, "stub");
        this.users = Objects.requireNonNull(users, "users");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The verified group a message to {@code name} is encrypted for; null if this user has not joined it. */
    Group verified(String name) {
        return joined.get(name);
    }

    /** The groups this user is in, by name. */
    List<String> names() {
        return joined.keySet().stream().sorted().toList();
    }

    Optional<Group> get(String name) {
        return Optional.ofNullable(joined.get(name));
    }

    Optional<String> invitation(String group) {
        return invitations.get(group).map(Invitations.Open::question);
    }

    /** Every user, who is online, and this user's groups as verified (invitations left out). */
    ListUsersResponse list() {
        ListUsersResponse r = stub.get().listUsers(ListUsersRequest.getDefaultInstance());
        adopt(r.getGroupsList(), true);
        ListUsersResponse.Builder shown = r.toBuilder().clearGroups();
        r.getGroupsList()
                .forEach(g -> Optional.ofNullable(joined.get(g.getName())).ifPresent(shown::addGroups));
        return shown.build();
    }

    /**
     * Takes the groups the server lists as this user's, keeping of each only what checks out.
     *
     * @param complete true for a list read now (ListUsers), which also drops the groups it no longer has; a login's
     *                 list may be older than group events the stream has already brought
     */
    void adopt(List<Group> served, boolean complete) {
        Map<String, Group> fresh = new HashMap<>();
        Set<String> invited = new HashSet<>();
        for (Group g : served) {
            book.verify(g, users.get()).ifPresent(v -> {
                if (invitations.invites(v)) {
                    invited.add(v.getName());
                    invitations.offer(v).ifPresent(listener::groupInvited);
                } else {
                    fresh.put(v.getName(), v);
                }
            });
        }
        if (complete) {
            joined.keySet().retainAll(fresh.keySet());
            invitations.retain(invited);
        }
        joined.putAll(fresh);
    }

    /** A GroupChanged event of the push stream. */
    void changed(Group served, boolean removed) {
        if (removed) {
            if (book.left(served, users.get())) {
                forget(served.getName());
                listener.groupChanged(served, true);
            }
            return;
        }
        book.verify(served, users.get()).ifPresent(g -> {
            if (invitations.invites(g)) {
                invitations.offer(g).ifPresent(listener::groupInvited);
                return;
            }
            invitations.answered(g.getName());
            Group before = joined.put(g.getName(), g);
            if (before != null) {
                newlyJoined(before, g).forEach(m -> listener.notice("[" + g.getName() + "] " + m + " joined."));
            }
            listener.groupChanged(g, false);
        });
    }

    /** The members who were invited in {@code before} and have joined in {@code after}. */
    private static List<String> newlyJoined(Group before, Group after) {
        Set<String> still = new HashSet<>();
        after.getInvitedList().forEach(i -> still.add(i.getUser()));
        return before.getInvitedList().stream()
                .map(Invitation::getUser)
                .filter(m -> !still.contains(m) && after.getMembersList().contains(m))
                .toList();
    }

    /** Creates a run-time group with a CREATE statement this user signs; returns it as verified. */
    Group create(String name, List<String> members) {
        Group g = stub.get()
                .createGroup(CreateGroupRequest.newBuilder()
                        .setName(name)
                        .addAllMembers(members)
                        .setStatement(Membership.create(identity, name, user, members))
                        .build());
        Group verified = book.verify(g, users.get())
                .orElseThrow(() -> Status.INTERNAL
                        .withDescription("the server's answer for " + name + " is not the group this client signed")
                        .asRuntimeException());
        joined.put(verified.getName(), verified);
        return verified;
    }

    /**
     * Joins a group this user was invited to, or declines the invitation with a LEAVE statement chained to its last
     * verified state (as {@link #leave}); returns the group as verified after joining.
     */
    Optional<Group> answer(String name, boolean join) {
        if (!join) {
            leave(
                    name,
                    s -> stub.get()
                            .answerGroup(GroupAnswer.newBuilder()
                                    .setName(name)
                                    .setStatement(s)
                                    .build()));
            return Optional.empty();
        }
        Group g = stub.get()
                .answerGroup(
                        GroupAnswer.newBuilder().setName(name).setJoin(true).build());
        invitations.answered(name);
        Optional<Group> verified = book.verify(g, users.get()).filter(v -> !invitations.invites(v));
        verified.ifPresent(v -> joined.put(v.getName(), v));
        return verified;
    }

    /**
     * Leaves a group with a LEAVE statement chained to its last verified state; if the server has a newer one,
     * reads the group again and signs again, once.
     */
    Group leave(String name) {
        return leave(
                name,
                s -> stub.get()
                        .leaveGroup(LeaveGroupRequest.newBuilder()
                                .setName(name)
                                .setStatement(s)
                                .build()));
    }

    private Group leave(String name, Function<SignedStatement, Group> call) {
        Group g;
        try {
            g = call.apply(leaveStatement(name));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION
                    || book.state(name).filter(s -> s.version() > 0).isEmpty()) {
                throw e;
            }
            list();
            g = call.apply(leaveStatement(name));
        }
        forget(name);
        return g;
    }

    private void forget(String name) {
        joined.remove(name);
        invitations.answered(name);
        book.forget(name);
    }

    /** This user's LEAVE statement chained to the group's last verified state; empty for a group without a chain. */
    private SignedStatement leaveStatement(String name) {
        return book.state(name)
                .filter(s -> s.version() > 0)
                .map(s -> Membership.leave(identity, s, user))
                .orElse(SignedStatement.getDefaultInstance());
    }
}
