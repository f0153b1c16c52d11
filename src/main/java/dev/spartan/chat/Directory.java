package dev.spartan.chat;

import dev.spartan.config.Limits;
import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.Group;
import dev.spartan.proto.Invitation;
import dev.spartan.proto.SignedStatement;
import dev.spartan.store.MessageStore;
import dev.spartan.store.RuntimeGroup;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Who exists: the users and groups of config.yaml, plus groups made at run time and kept in the store. */
public final class Directory {
    /** Replaced on SIGHUP: users and config groups are read from it at each call. */
    private volatile SpartanConfig config;

    private final MessageStore store;
    private final KeyDirectory keys;
    private final Clock clock;

    /**
     * A group and the conversation it is. Config groups are one conversation for ever; a run-time group's
     * conversation belongs to its generation, so a name re-created after everyone left starts with no history.
     */
    public record GroupChat(Group group, String chatKey) {}

    public Directory(SpartanConfig config, MessageStore store, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keys = KeyDirectory.cached(store);
    }

    /** The {@code limits:} in force: those of the config, or of the last SIGHUP that changed them. */
    public Limits limits() {
        return config.limits();
    }

    /** Users, config groups and limits from a reloaded config.yaml, for the calls from now on. */
    public void reload(SpartanConfig reloaded) {
        this.config = Objects.requireNonNull(reloaded, "reloaded");
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
        return groupChat(name).map(GroupChat::group);
    }

    public Optional<GroupChat> groupChat(String name) {
        List<String> members = config.groups().get(name);
        if (members != null) {
            return Optional.of(new GroupChat(configGroup(name, members), ChatIds.group(name)));
        }
        return store.runtimeGroup(name).map(Directory::chat);
    }

    /** The conversation key of a run-time group's generation; generation 0 is a group made before generations. */
    static GroupChat chat(RuntimeGroup g) {
        String key = ChatIds.group(g.name()) + (g.generation() == 0 ? "" : "@" + g.generation());
        return new GroupChat(wire(g), key);
    }

    static Group wire(RuntimeGroup g) {
        Group.Builder b = Group.newBuilder().setName(g.name()).addAllMembers(g.members());
        g.chain()
                .forEach(s -> b.addChain(
                        SignedStatement.newBuilder().setStatement(s.statement()).setSignature(s.signature())));
        g.invited()
                .forEach((user, expires) ->
                        b.addInvited(Invitation.newBuilder().setUser(user).setExpiresAtMillis(expires)));
        return b.build();
    }

    /**
     * The config groups of {@code user}, then the run-time groups they joined (at most {@code limits.groups_per_user})
     * or can still join (at most {@code limits.group_invitations_per_user}); an expired invitation is left out.
     */
    public List<Group> groupsOf(String user) {
        long now = clock.millis();
        List<Group> out = new ArrayList<>();
        config.groups().forEach((name, members) -> {
            if (members.contains(user)) {
                out.add(configGroup(name, members));
            }
        });
        for (RuntimeGroup g : store.groupsOf(user)) {
            if (g.invited().getOrDefault(user, Long.MAX_VALUE) > now) {
                out.add(wire(g));
            }
        }
        return out;
    }

    /** How many run-time groups {@code user} has joined (invitations not counted). */
    int joinedGroupCount(String user) {
        return (int) store.groupsOf(user).stream().filter(g -> g.joined(user)).count();
    }

    /** The run-time groups {@code user} is invited to and can still join at {@code nowMillis}. */
    List<RuntimeGroup> openInvitations(String user, long nowMillis) {
        return store.groupsOf(user).stream()
                .filter(g -> g.invited().getOrDefault(user, Long.MIN_VALUE) > nowMillis)
                .toList();
    }

    private static Group configGroup(String name, List<String> members) {
        return Group.newBuilder()
                .setName(name)
                .addAllMembers(members)
                .setFromConfig(true)
                .build();
    }
}
