package dev.spartan.chat;

import dev.spartan.config.SpartanConfig;
import dev.spartan.proto.Group;
import dev.spartan.store.MessageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Who exists: the users and groups of config.yaml, plus groups made at run time and kept in the store. */
public final class Directory {
    private final SpartanConfig config;
    private final MessageStore store;
    private final KeyDirectory keys;

    public Directory(SpartanConfig config, MessageStore store) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.keys = KeyDirectory.cached(store);
    }

    public KeyDirectory keys() {
        return keys;
    }

    public List<String> users() {
        return config.users();
    }

    public boolean isUser(String name) {
        return config.isUser(name);
    }

    public boolean isConfigGroup(String name) {
        return config.groups().containsKey(name);
    }

    public Optional<Group> group(String name) {
        List<String> members = config.groups().get(name);
        if (members != null) {
            return Optional.of(Group.newBuilder()
                    .setName(name)
                    .addAllMembers(members)
                    .setFromConfig(true)
                    .build());
        }
        return store.runtimeGroup(name);
    }

    public List<Group> groupsOf(String user) {
        List<Group> out = new ArrayList<>();
        config.groups().forEach((name, members) -> {
            if (members.contains(user)) {
                out.add(Group.newBuilder()
                        .setName(name)
                        .addAllMembers(members)
                        .setFromConfig(true)
                        .build());
            }
        });
        for (Group g : store.runtimeGroups()) {
            if (g.getMembersList().contains(user)) {
                out.add(g);
            }
        }
        return out;
    }
}
