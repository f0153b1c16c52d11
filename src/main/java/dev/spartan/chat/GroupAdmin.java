package dev.spartan.chat;

import dev.spartan.config.ConfigLoader;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupChanged;
import dev.spartan.store.MessageStore;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Groups made at run time. Config groups are fixed. A membership change runs under the group's lock, the same one a
 * group send takes, so no message is ever encrypted for a membership that has already changed.
 */
public final class GroupAdmin {
    private final Directory directory;
    private final MessageStore store;
    private final InboxWatchers watchers;

    public GroupAdmin(Directory directory, MessageStore store, InboxWatchers watchers) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.watchers = Objects.requireNonNull(watchers, "watchers");
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
        Group group = Group.newBuilder().setName(name).addAllMembers(all).build();
        store.atomically(ChatIds.group(name), () -> {
            if (directory.group(name).isPresent()) {
                throw Refusal.exists("a group named '" + name + "' already exists");
            }
            store.putGroup(group);
            for (String m : all) {
                store.appendEvent(m, changed(group, false));
            }
            return group;
        });
        watchers.inboxesGrew(List.copyOf(all));
        return group;
    }

    public Group leave(String me, String name) {
        if (directory.isConfigGroup(name)) {
            throw Refusal.precondition(name + " comes from config.yaml and cannot be changed at run time");
        }
        List<String> told = new ArrayList<>();
        Group after = store.atomically(ChatIds.group(name), () -> {
            Group group =
                    store.runtimeGroup(name).orElseThrow(() -> Refusal.notFound("there is no group '" + name + "'"));
            if (!group.getMembersList().contains(me)) {
                throw Refusal.denied("you are not a member of " + name);
            }
            List<String> rest = new ArrayList<>(group.getMembersList());
            rest.remove(me);
            Group next = group.toBuilder().clearMembers().addAllMembers(rest).build();
            if (rest.isEmpty()) {
                store.deleteGroup(name);
            } else {
                store.putGroup(next);
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
