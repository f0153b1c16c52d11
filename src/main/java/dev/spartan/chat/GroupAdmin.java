package dev.spartan.chat;

import dev.spartan.config.ConfigLoader;
import dev.spartan.config.Limits;
import dev.spartan.contract.ChatIds;
import dev.spartan.contract.Membership;
import dev.spartan.crypto.SignalKeys;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupChanged;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SignedStatement;
import dev.spartan.store.MessageStore;
import dev.spartan.store.PairState;
import dev.spartan.store.RuntimeGroup;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * Groups made at run time. Config groups are fixed. A membership change runs under the group's lock, the same one a
 * group send takes, so no message is ever encrypted for a membership that has already changed. A group has at most
 * {@code limits.members_per_group} members, and a user has joined at most {@code limits.groups_per_user} of them.
 *
 * <p>Nobody is put into a group without consent: a member the creator has no accepted chat with is invited, not
 * joined. An invitation reads nothing and counts toward {@code limits.group_invitations_per_user}, not toward
 * {@code groups_per_user}; one inviter has at most one open invitation per invitee, and an invitation expires after
 * {@code limits.group_invitation_hours}. So a stranger can neither fill a user's groups nor their invitations.
 */
public final class GroupAdmin {
    private final Directory directory;
    private final MessageStore store;
    private final InboxWatchers watchers;
    private final Supplier<Limits> limits;
    private final Clock clock;
    private final DeviceAddresses devices;

    /** @param limits the limits in force at each call (a SIGHUP may change them: {@link Directory#limits}) */
    public GroupAdmin(
            Directory directory, MessageStore store, InboxWatchers watchers, Supplier<Limits> limits, Clock clock) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.devices = new DeviceAddresses(store);
        this.watchers = Objects.requireNonNull(watchers, "watchers");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public GroupAdmin(Directory directory, MessageStore store, InboxWatchers watchers, Limits limits, Clock clock) {
        this(directory, store, watchers, () -> limits, clock);
    }

    /**
     * Creates a run-time group from the CREATE statement {@code me} signed; the statement's members must be the ones
     * asked for, {@code me} included.
     */
    public Group create(String me, String name, List<String> members, SignedStatement statement) {
        if (!ConfigLoader.NAME.matcher(name).matches()) {
            throw Refusal.invalid("'" + name + "' is not a valid group name (letters, digits, _ . -, at most 32)");
        }
        if (directory.isUser(name)) {
            throw Refusal.invalid("'" + name + "' is a user's name; pick another group name");
        }
        Set<String> all = new LinkedHashSet<>();
        all.add(me);
        for (String m : members) {
            if (!directory.isUser(m)) {
                throw Refusal.notFound("there is no user '" + m + "'");
            }
            all.add(m);
        }
        if (all.size() < 2) {
            throw Refusal.invalid("a group needs at least one member besides you");
        }
        if (all.size() > limits.get().membersPerGroup()) {
            throw Refusal.invalid("a group has at most " + limits.get().membersPerGroup() + " members, you included");
        }
        Membership.State signed = check(me, name, null, statement);
        List<String> asked = all.stream().sorted(Membership::compare).toList();
        if (!signed.members().equals(asked)) {
            throw Refusal.invalid("the signed statement names the members " + String.join(",", signed.members())
                    + ", but the request asks for " + String.join(",", asked));
        }
        long now = clock.millis();
        Map<String, Long> invited = new TreeMap<>();
        for (String m : all) {
            if (!m.equals(me) && store.pairState(PairState.pairKey(me, m)).status() != PairState.Status.ACCEPTED) {
                invited.put(m, now + limits.get().groupInvitationHours() * 3_600_000L);
            }
        }
        for (String m : all) {
            if (invited.containsKey(m)) {
                requireInvitable(me, m, now);
            } else if (directory.joinedGroupCount(m) >= limits.get().groupsPerUser()) {
                throw full(m.equals(me) ? null : m);
            }
        }
        RuntimeGroup created = store.atomically(ChatIds.group(name), () -> {
            if (directory.group(name).isPresent()) {
                throw Refusal.exists("a group named '" + name + "' already exists");
            }
            RuntimeGroup g = store.putGroup(name, signed.members(), List.of(stored(statement)), invited);
            for (String m : all) {
                devices.appendToAll(store, m, changed(Directory.wire(g), false));
            }
            return g;
        });
        watchers.inboxesGrew(List.copyOf(devices.ofAll(all)));
        return Directory.wire(created);
    }

    /** Refuses a new invitation of {@code invitee} by {@code me} that would pass the limits on invitations. */
    private void requireInvitable(String me, String invitee, long now) {
        List<RuntimeGroup> open = directory.openInvitations(invitee, now);
        for (RuntimeGroup g : open) {
            if (me.equals(inviter(g))) {
                throw Refusal.exhausted(invitee + " has not answered your invitation to '" + g.name()
                        + "' yet: you can invite someone you have no accepted chat with to one group at a time");
            }
        }
        if (open.size() >= limits.get().groupInvitationsPerUser()) {
            throw Refusal.exhausted(invitee + " has " + open.size()
                    + " group invitations waiting for an answer, as many as one user can have: ask " + invitee
                    + " to answer them, or to accept a chat with you first");
        }
    }

    /** Who made the group: the actor of its CREATE statement, or null for a group made before signed membership. */
    private static String inviter(RuntimeGroup g) {
        if (g.chain().isEmpty()) {
            return null;
        }
        try {
            return Membership.parse(SignedStatement.newBuilder()
                            .setStatement(g.chain().get(0).statement())
                            .build())
                    .getActor();
        } catch (Membership.Refused e) {
            return null;
        }
    }

    private Refusal full(String other) {
        return Refusal.exhausted((other == null ? "you are" : other + " is")
                + " already in as many groups as one user can be in ("
                + limits.get().groupsPerUser() + ")"
                + (other == null ? ": leave one first" : ""));
    }

    /**
     * Joins {@code me} to a run-time group that invited them, or declines the invitation with the LEAVE statement
     * {@code me} signed (exactly as {@link #leave}).
     */
    public Group answer(String me, String name, boolean join, SignedStatement statement) {
        if (!join) {
            RuntimeGroup group = store.runtimeGroup(name).orElse(null);
            if (group != null && group.joined(me)) {
                throw Refusal.precondition("you are a member of " + name + ", not invited: leave it instead");
            }
            return leave(me, name, statement);
        }
        if (directory.isConfigGroup(name)) {
            throw Refusal.precondition(name + " comes from config.yaml: its members are in it already");
        }
        List<String> told = new ArrayList<>();
        Group after = store.atomically(ChatIds.group(name), () -> {
            RuntimeGroup group =
                    store.runtimeGroup(name).orElseThrow(() -> Refusal.notFound("there is no group '" + name + "'"));
            Long expires = group.invited().get(me);
            if (expires == null) {
                throw group.members().contains(me)
                        ? Refusal.precondition("you are a member of " + name + " already")
                        : Refusal.denied("you are not invited to " + name);
            }
            if (expires <= clock.millis()) {
                throw Refusal.precondition("your invitation to " + name + " expired at " + Instant.ofEpochMilli(expires)
                        + ": decline it, and ask its members to invite you again");
            }
            if (directory.joinedGroupCount(me) >= limits.get().groupsPerUser()) {
                throw full(null);
            }
            Map<String, Long> invited = new TreeMap<>(group.invited());
            invited.remove(me);
            Group next = Directory.wire(store.putGroup(name, group.members(), group.chain(), invited));
            for (String m : group.members()) {
                told.addAll(devices.appendToAll(store, m, changed(next, false)));
            }
            return next;
        });
        watchers.inboxesGrew(told);
        return after;
    }

    /**
     * Takes {@code me} out of a run-time group with the LEAVE statement {@code me} signed, chained to the group's
     * last statement. A group made before signed membership has no chain, and its members leave without one. A group
     * that nobody has joined any more is deleted, its invitations with it.
     */
    public Group leave(String me, String name, SignedStatement statement) {
        if (directory.isConfigGroup(name)) {
            throw Refusal.precondition(name + " comes from config.yaml and cannot be changed at run time");
        }
        List<String> told = new ArrayList<>();
        Group after = store.atomically(ChatIds.group(name), () -> {
            RuntimeGroup group =
                    store.runtimeGroup(name).orElseThrow(() -> Refusal.notFound("there is no group '" + name + "'"));
            if (!group.members().contains(me)) {
                throw Refusal.denied("you are not a member of " + name);
            }
            List<String> rest = new ArrayList<>(group.members());
            rest.remove(me);
            List<RuntimeGroup.Signed> chain = new ArrayList<>(group.chain());
            if (!chain.isEmpty()) {
                Membership.State last = new Membership.State(
                        name,
                        chain.size(),
                        Membership.hash(chain.get(chain.size() - 1).statement()),
                        group.members());
                rest = new ArrayList<>(check(me, name, last, statement).members());
                chain.add(stored(statement));
            }
            Map<String, Long> invited = new TreeMap<>(group.invited());
            invited.remove(me);
            RuntimeGroup kept = new RuntimeGroup(name, rest, group.generation(), chain, invited);
            Group next = Directory.wire(kept);
            boolean nobodyJoined = rest.stream().noneMatch(kept::joined);
            if (nobodyJoined) {
                store.deleteGroup(name);
                store.deleteHistory(Directory.chat(group).chatKey()); // nobody can read it any more
            } else {
                store.putGroup(name, rest, chain, invited);
            }
            for (String m : rest) {
                told.addAll(devices.appendToAll(store, m, changed(next, nobodyJoined)));
            }
            told.addAll(devices.appendToAll(store, me, changed(next, true)));
            return next;
        });
        watchers.inboxesGrew(told);
        return after;
    }

    /**
     * Checks a statement the caller made: present, made by the caller, signed with the identity key pinned at their
     * enrollment, and the next one after {@code current} (null: the first of a new group).
     */
    private Membership.State check(String me, String name, Membership.State current, SignedStatement statement) {
        if (statement.getStatement().isEmpty()) {
            throw Refusal.invalid("the request carries no signed membership statement: this server needs one"
                    + " (PROTOCOL.md, Signed membership); upgrade the client");
        }
        try {
            String actor = Membership.parse(statement).getActor();
            if (!actor.equals(me)) {
                throw Refusal.invalid("the membership statement is made by '" + actor + "', not by you");
            }
            return Membership.apply(current, statement, name, this::identityKey);
        } catch (Membership.Refused e) {
            if (current != null && e.stale()) {
                throw Refusal.precondition("the membership of " + name + " changed (it is at version "
                        + current.version() + "): read the group again, sign again and leave again");
            }
            throw Refusal.invalid("the membership statement is refused: " + e.getMessage());
        }
    }

    private Optional<IdentityKey> identityKey(String user) {
        PublicKeys keys = directory.keys().keysOf(user);
        if (keys == null || keys.getIdentityKey().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(SignalKeys.identityKey(keys.getIdentityKey().toByteArray(), "identity_key"));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static RuntimeGroup.Signed stored(SignedStatement s) {
        return new RuntimeGroup.Signed(s.getStatement(), s.getSignature());
    }

    private static Event changed(Group group, boolean removed) {
        return Event.newBuilder()
                .setGroupChanged(GroupChanged.newBuilder().setGroup(group).setRemoved(removed))
                .build();
    }
}
