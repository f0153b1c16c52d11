package dev.spartan.client;

import com.google.protobuf.ByteString;
import dev.spartan.contract.Membership;
import dev.spartan.crypto.PrivateFiles;
import dev.spartan.proto.Group;
import dev.spartan.proto.Invitation;
import dev.spartan.proto.MembershipStatement;
import dev.spartan.proto.SignedStatement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * The member list this client trusts for each of its groups, never simply the server's (PROTOCOL.md, "Signed
 * membership"). A run-time group's members are what its chain of signed statements gives; a config group's are
 * those of ./config.yaml, or else the list first seen, pinned. The last verified state of each group is kept in
 * {@code known_groups} in the key directory, so a later chain must extend it: a shorter one is a rollback, another
 * statement at the same version a fork, and both are refused.
 */
final class GroupBook {
    static final String FILE_NAME = "known_groups";
    /** The groups this user left, one name a line: a message for one of them shows its sender missed the leave. */
    static final String LEFT_FILE = "left_groups";
    /** In known_groups, the hash field of a config group whose members only the server has shown so far. */
    private static final String UNVERIFIED = "?";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

    private final String user;
    private final Path dir;
    private final Map<String, List<String>> configGroups;
    private final Function<String, Optional<IdentityKey>> keys;
    private final Consumer<String> notice;
    private final Map<String, Membership.State> pins;
    // Config groups pinned from the server's first answer and not yet confirmed by another member's message.
    private final java.util.Set<String> unverified = new java.util.TreeSet<>();
    private final java.util.Set<String> left = new java.util.TreeSet<>();
    // The last warning given for each group: a server that keeps sending the same forgery is reported once.
    private final Map<String, String> warned = new HashMap<>();

    /**
     * @param configGroups the groups of the config.yaml this client read, by name; empty when it has none
     * @param keys         the identity key this client trusts for a user, empty if none
     */
    GroupBook(
            String user,
            Path dir,
            Map<String, List<String>> configGroups,
            Function<String, Optional<IdentityKey>> keys,
            Consumer<String> notice)
            throws IOException {
        this.user = Objects.requireNonNull(user, "user");
        this.dir = Objects.requireNonNull(dir, "dir");
        this.configGroups = Map.copyOf(configGroups);
        this.keys = Objects.requireNonNull(keys, "keys");
        this.notice = Objects.requireNonNull(notice, "notice");
        Path file = dir.resolve(FILE_NAME);
        this.pins = Files.exists(file) ? load(file, unverified) : new TreeMap<>();
        Path leftFile = dir.resolve(LEFT_FILE);
        if (Files.exists(leftFile)) {
            Files.readAllLines(leftFile, StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(NAME.asPredicate())
                    .forEach(left::add);
        }
    }

    /**
     * The group as its members signed it (or as config.yaml or the pin has it), for a group the server sent; empty
     * when nothing of it can be trusted or this user is not in it. Tells the user of every change it learns of and
     * warns of one that does not check out.
     *
     * @param users the names that can be members at all (the server's users); no one else is ever a reader
     */
    synchronized Optional<Group> verify(Group served, Collection<String> users) {
        String name = served.getName();
        if (!NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Membership.State pin = pins.get(name);
        Optional<Membership.State> state = served.getFromConfig()
                ? fixed(served, pin, new HashSet<>(users))
                : signed(served, pin, new HashSet<>(users), false);
        Optional<Membership.State> mine = state.filter(s -> s.members().contains(user));
        if (mine.isPresent() && left.remove(name)) {
            saveLeft(); // a group of that name this user is in again
        }
        return mine.map(s -> group(s, served));
    }

    /** True if this user left the group (and has not been in a group of that name since). */
    synchronized boolean hasLeft(String name) {
        return left.contains(name);
    }

    /**
     * True if the group's members are what the server alone showed (a config group without a config.yaml), not yet
     * confirmed by another member's message.
     */
    synchronized boolean unverified(String name) {
        return unverified.contains(name);
    }

    /** Another member's client encrypted for exactly the members this client pinned: the pin is confirmed. */
    synchronized void confirmed(String name) {
        if (unverified.remove(name)) {
            save(new TreeMap<>(pins));
        }
    }

    /** True if the group's signed chain shows that this user left it (or it has no chain to show anything). */
    synchronized boolean left(Group served, Collection<String> users) {
        if (served.getChainCount() == 0 && !pins.containsKey(served.getName())) {
            return true;
        }
        if (served.getFromConfig()) {
            return false;
        }
        // Only a question: nothing is pinned or shown (the group may be one this user has just left and forgotten).
        return signed(served, pins.get(served.getName()), new HashSet<>(users), true)
                .map(s -> !s.members().contains(user))
                .orElse(false);
    }

    /** The last verified state of a group, which this user's next statement about it is chained to. */
    synchronized Optional<Membership.State> state(String name) {
        return Optional.ofNullable(pins.get(name));
    }

    /** This user left the group: a group of that name made later is another group. */
    synchronized void forget(String name) {
        if (pins.containsKey(name)) {
            Map<String, Membership.State> next = new TreeMap<>(pins);
            next.remove(name);
            unverified.remove(name);
            save(next);
        }
        if (left.add(name)) {
            saveLeft();
        }
        warned.remove(name);
    }

    private Optional<Membership.State> fixed(Group served, Membership.State pin, java.util.Set<String> users) {
        String name = served.getName();
        List<String> anchor = configGroups.get(name);
        String source = "config.yaml";
        if (anchor == null && pin != null) {
            if (pin.version() != 0) {
                warn(name, name + " was made at run time, and now is said to come from config.yaml");
                return Optional.of(pin);
            }
            anchor = pin.members();
            source = "the member list this client pinned when it first saw it";
        }
        if (anchor == null) {
            for (String m : served.getMembersList()) {
                if (!users.contains(m)) {
                    warn(name, m + " is not a user of this server");
                    return Optional.empty();
                }
            }
            anchor = served.getMembersList();
            // Nothing here to check the server's first answer against: the members' own messages will.
            unverified.add(name);
            notice.accept("[" + name + "] The members of " + name + " (" + String.join(",", anchor)
                    + ") are as the server shows them, not verified yet: there is no config.yaml here. Each member's"
                    + " client says in its messages whom it encrypts for, and you are warned if that differs.");
        } else if (!new HashSet<>(anchor).equals(new HashSet<>(served.getMembersList()))) {
            String origin = configGroups.containsKey(name)
                    ? " comes from config.yaml"
                    : " is a fixed group of the server's configuration";
            warn(
                    name,
                    name + origin + ", and its members are " + String.join(",", anchor) + " (" + source + "), not "
                            + String.join(",", served.getMembersList()));
        }
        Membership.State state = new Membership.State(name, 0, ByteString.EMPTY, anchor);
        if (!state.equals(pin)) {
            pin(state);
        }
        return Optional.of(state);
    }

    /** @param quiet check only: pin nothing, show nothing, warn of nothing */
    private Optional<Membership.State> signed(
            Group served, Membership.State pin, java.util.Set<String> users, boolean quiet) {
        String name = served.getName();
        java.util.function.BiConsumer<String, String> warn = quiet ? (g, why) -> {} : this::warn;
        List<SignedStatement> chain = served.getChainList();
        if (pin != null && pin.version() == 0) {
            warn.accept(
                    name,
                    name + (configGroups.containsKey(name) ? " comes from config.yaml" : " is a fixed group")
                            + ", and now is said to be made at run time");
            return Optional.of(pin);
        }
        Membership.State state = null;
        int start = 0;
        if (pin != null) {
            if (chain.size() < pin.version()) {
                warn.accept(
                        name,
                        "it goes back to version " + chain.size() + "; this client has seen version " + pin.version()
                                + " (rolled back)");
                return Optional.of(pin);
            }
            if (!Membership.hash(chain.get((int) pin.version() - 1).getStatement())
                    .equals(pin.hash())) {
                warn.accept(name, "its version " + pin.version() + " is not the one this client has seen (forked)");
                return Optional.of(pin);
            }
            state = pin;
            start = (int) pin.version();
        } else if (chain.isEmpty()) {
            warn.accept(name, "it has no signed statements at all; messages to " + name + " are not sent");
            return Optional.empty();
        }
        List<String> changes = new ArrayList<>();
        for (int i = start; i < chain.size(); i++) {
            try {
                Membership.State next = Membership.apply(state, chain.get(i), name, keys);
                for (String m : next.members()) {
                    if (!users.contains(m)) {
                        throw new Membership.Refused(m + " is not a user of this server");
                    }
                }
                describe(Membership.parse(chain.get(i)), next, served).ifPresent(changes::add);
                state = next;
            } catch (Membership.Refused e) {
                warn.accept(name, e.getMessage());
                break;
            }
        }
        if (state == null) {
            return Optional.empty();
        }
        if (quiet) {
            return Optional.of(state);
        }
        if (!state.equals(pin)) {
            pin(state);
        }
        changes.forEach(notice);
        if (state.version() == chain.size()
                && !new HashSet<>(state.members()).equals(new HashSet<>(served.getMembersList()))) {
            warn(
                    name,
                    "its members are " + String.join(",", state.members()) + " as signed, not "
                            + String.join(",", served.getMembersList()));
        }
        return Optional.of(state);
    }

    /**
     * What the user is told of a change someone else made. An invitation of this user is asked as a question
     * instead (see {@link Invitations}).
     */
    private Optional<String> describe(MembershipStatement s, Membership.State after, Group served) {
        if (s.getActor().equals(user)) {
            return Optional.empty();
        }
        if (s.getKind() != MembershipStatement.Kind.CREATE) {
            return Optional.of("[" + s.getGroup() + "] " + s.getActor() + " left.");
        }
        List<String> invited = invited(served, after);
        if (invited.contains(user)) {
            return Optional.empty();
        }
        return Optional.of("[" + s.getGroup() + "] " + s.getActor() + " created the group with "
                + String.join(",", after.members())
                + (invited.isEmpty() ? "" : " (invited, not joined yet: " + String.join(",", invited) + ")") + ".");
    }

    /** The members the server says have not joined yet: never anyone the signed list does not name. */
    private static List<String> invited(Group served, Membership.State state) {
        return served.getInvitedList().stream()
                .map(Invitation::getUser)
                .filter(state.members()::contains)
                .toList();
    }

    private void warn(String group, String reason) {
        if (reason.equals(warned.put(group, reason))) {
            return;
        }
        notice.accept("WARNING: the server sent a membership change of " + group
                + " that is not signed by a member: ignored (" + reason + ").");
    }

    /**
     * The verified group: members and chain as signed, and of the server's invitations only those of signed members.
     * The server alone says who has joined; a lie about it changes only who reads, never adds a reader the members
     * did not name.
     */
    private static Group group(Membership.State state, Group served) {
        List<SignedStatement> chain = served.getChainList();
        List<String> invited = invited(served, state);
        return Group.newBuilder()
                .setName(state.group())
                .addAllMembers(state.members())
                .setFromConfig(state.version() == 0)
                .addAllChain(chain.subList(0, (int) Math.min(state.version(), chain.size())))
                .addAllInvited(served.getInvitedList().stream()
                        .filter(i -> invited.contains(i.getUser()))
                        .toList())
                .build();
    }

    private void pin(Membership.State state) {
        Map<String, Membership.State> next = new TreeMap<>(pins);
        next.put(state.group(), state);
        save(next);
    }

    // Save first, then publish: a failed write must not leave a state in memory that is gone after a restart.
    private void save(Map<String, Membership.State> next) {
        StringBuilder out = new StringBuilder();
        Base64.Encoder b64 = Base64.getEncoder();
        next.values()
                .forEach(s -> out.append(s.group())
                        .append(' ')
                        .append(s.version())
                        .append(' ')
                        .append(
                                unverified.contains(s.group())
                                        ? UNVERIFIED
                                        : s.hash().isEmpty()
                                                ? "-"
                                                : b64.encodeToString(s.hash().toByteArray()))
                        .append(' ')
                        .append(s.members().isEmpty() ? "-" : String.join(",", s.members()))
                        .append('\n'));
        try {
            PrivateFiles.createDir(dir);
            PrivateFiles.write(dir.resolve(FILE_NAME), out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + dir.resolve(FILE_NAME), e);
        }
        pins.clear();
        pins.putAll(next);
    }

    private void saveLeft() {
        try {
            PrivateFiles.createDir(dir);
            PrivateFiles.write(
                    dir.resolve(LEFT_FILE),
                    left.stream()
                            .map(n -> n + "\n")
                            .collect(java.util.stream.Collectors.joining())
                            .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + dir.resolve(LEFT_FILE), e);
        }
    }

    private static Map<String, Membership.State> load(Path file, java.util.Set<String> unverified) throws IOException {
        Map<String, Membership.State> out = new TreeMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(" ", -1);
            try {
                if (f.length != 4 || !NAME.matcher(f[0]).matches() || Long.parseLong(f[1]) < 0) {
                    throw new IllegalArgumentException("expected: name version hash members");
                }
                if (f[2].equals(UNVERIFIED)) {
                    unverified.add(f[0]);
                }
                out.put(
                        f[0],
                        new Membership.State(
                                f[0],
                                Long.parseLong(f[1]),
                                f[2].equals("-") || f[2].equals(UNVERIFIED)
                                        ? ByteString.EMPTY
                                        : ByteString.copyFrom(
                                                Base64.getDecoder().decode(f[2])),
                                f[3].equals("-") ? List.of() : List.of(f[3].split(",", -1))));
            } catch (IllegalArgumentException e) {
                throw new IOException("corrupt " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
