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
import dev.spartan.store.RuntimeGroup;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * Groups made at run time. Config groups are fixed. A membership change runs under the group's lock, the same one a
 * group send takes, so no message is ever encrypted for a membership that has already changed. A group has at most
 * {@code limits.members_per_group} members, and a user is in at most {@code limits.groups_per_user} of them.
 */
public final class GroupAdmin {
    private final Directory directory;
    private final MessageStore store;
    private final InboxWatchers watchers;
    private final Limits limits;

    public GroupAdmin(Directory directory, MessageStore store, InboxWatchers watchers, Limits limits) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.watchers = Objects.requireNonNull(watchers, "watchers");
        this.limits = Objects.requireNonNull(limits, "limits");
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
        if (all.size() > limits.membersPerGroup()) {
            throw Refusal.invalid("a group has at most " + limits.membersPerGroup() + " members, you included");
        }
        for (String m : all) {
            if (directory.runtimeGroupCount(m) >= limits.groupsPerUser()) {
                throw Refusal.exhausted((m.equals(me) ? "you are" : m + " is")
                        + " already in as many groups as one user can be in (" + limits.groupsPerUser() + ")"
                        + (m.equals(me) ? ": leave one first" : ""));
            }
        }
        Membership.State signed = check(me, name, null, statement);
        List<String> asked = all.stream().sorted(Membership::compare).toList();
        if (!signed.members().equals(asked)) {
            throw Refusal.invalid("the signed statement names the members " + String.join(",", signed.members())
                    + ", but the request asks for " + String.join(",", asked));
        }
        RuntimeGroup created = store.atomically(ChatIds.group(name), () -> {
            if (directory.group(name).isPresent()) {
                throw Refusal.exists("a group named '" + name + "' already exists");
            }
            RuntimeGroup g = store.putGroup(name, signed.members(), List.of(stored(statement)));
            for (String m : all) {
                store.appendEvent(m, changed(Directory.wire(g), false));
            }
            return g;
        });
        watchers.inboxesGrew(List.copyOf(all));
        return Directory.wire(created);
    }

    /**
     * Takes {@code me} out of a run-time group with the LEAVE statement {@code me} signed, chained to the group's
     * last statement. A group made before signed membership has no chain, and its members leave without one.
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
            Group next = Directory.wire(new RuntimeGroup(name, rest, group.generation(), chain));
            if (rest.isEmpty()) {
                store.deleteGroup(name);
                store.deleteHistory(Directory.chat(group).chatKey()); // nobody can read it any more
            } else {
                store.putGroup(name, rest, chain);
            }
            for (String m : rest) {
                store.appendEvent(m, changed(next, false));
                told.add(m);
            }
            store.appendEvent(me, changed(next, true));
            told.add(me);
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
