package dev.spartan.chat;

import dev.spartan.config.ConfigLoader;
import dev.spartan.config.Limits;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupChanged;
import dev.spartan.store.MessageStore;
import dev.spartan.store.RuntimeGroup;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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

    public Group create(String me, String name, List<String> members) {
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
        RuntimeGroup created = store.atomically(ChatIds.group(name), () -> {
            if (directory.group(name).isPresent()) {
                throw Refusal.exists("a group named '" + name + "' already exists");
            }
            RuntimeGroup g = store.putGroup(name, List.copyOf(all));
            for (String m : all) {
                store.appendEvent(m, changed(Directory.wire(g), false));
            }
            return g;
        });
        watchers.inboxesGrew(List.copyOf(all));
        return Directory.wire(created);
    }

    public Group leave(String me, String name) {
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
            Group next = Directory.wire(new RuntimeGroup(name, rest, group.generation()));
            if (rest.isEmpty()) {
                store.deleteGroup(name);
                store.deleteHistory(Directory.chat(group).chatKey()); // nobody can read it any more
            } else {
                store.putGroup(name, rest);
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

    private static Event changed(Group group, boolean removed) {
        return Event.newBuilder()
                .setGroupChanged(GroupChanged.newBuilder().setGroup(group).setRemoved(removed))
                .build();
    }
}
