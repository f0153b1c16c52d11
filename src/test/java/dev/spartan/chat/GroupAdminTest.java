package dev.spartan.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.config.ConfigLoader;
import dev.spartan.config.Limits;
import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.Membership;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupChanged;
import dev.spartan.proto.Invitation;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SignedStatement;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.PairState;
import dev.spartan.testing.Members;
import dev.spartan.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Run-time groups against the real store, with config.yaml's users and its fixed groups group1 and group2. */
class GroupAdminTest {
    private final List<String> told = new ArrayList<>();
    private final Members signers = new Members();
    private EmbeddedStore store;
    private Directory directory;
    private GroupAdmin groups;
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    @BeforeEach
    void setUp() {
        SpartanConfig config = ConfigLoader.load(Path.of("config.yaml"));
        store = EmbeddedStore.inMemory();
        directory = new Directory(config, store, clock);
        for (String u : config.users()) {
            store.pinKeys(u, signers.withIdentity(u, PublicKeys.getDefaultInstance()));
        }
        // Everyone has an accepted chat with everyone but mallory's targets (see the invitation tests).
        for (String a : config.users()) {
            for (String b : config.users()) {
                if (a.compareTo(b) < 0) {
                    store.setPairState(PairState.pairKey(a, b), PairState.ACCEPTED);
                }
            }
        }
        groups = groups(Limits.DEFAULTS);
    }

    private GroupAdmin groups(Limits limits) {
        return new GroupAdmin(
                directory,
                store,
                new InboxWatchers() {
                    @Override
                    public void inboxesGrew(Collection<String> users) {
                        told.addAll(users);
                    }

                    @Override
                    public void eventsStored(Map<String, Event> stored) {
                        told.addAll(stored.keySet());
                    }
                },
                limits,
                clock);
    }

    private void strangers(String a, String b) {
        store.setPairState(PairState.pairKey(a, b), PairState.NONE);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private Group create(String me, String name, List<String> members) {
        return groups.create(me, name, members, signers.create(me, name, members));
    }

    private Group leave(String me, String name) {
        Group now =
                directory.group(name).orElse(Group.newBuilder().setName(name).build());
        return groups.leave(me, name, signers.leave(me, now));
    }

    private List<GroupChanged> changes(String user) {
        return store.eventsAfter(user, 0, 100).stream()
                .map(Event::getGroupChanged)
                .toList();
    }

    private void assertRefused(ThrowingCallable call, Refusal.Kind kind, String words) {
        assertThatThrownBy(call).isInstanceOfSatisfying(Refusal.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.getMessage()).isEqualTo(words);
        });
    }

    @Test
    void theCreatorIsAMemberFirstAndEveryMemberIsToldOnce() {
        Group team = create("alice", "team", List.of("bob", "charlie", "bob", "alice"));
        assertThat(team.getName()).isEqualTo("team");
        assertThat(team.getMembersList()).containsExactly("alice", "bob", "charlie");
        assertThat(team.getFromConfig()).isFalse();
        assertThat(directory.group("team")).contains(team);
        assertThat(directory.groupsOf("charlie")).extracting(Group::getName).containsExactly("group1", "team");
        for (String member : List.of("alice", "bob", "charlie")) {
            assertThat(changes(member))
                    .containsExactly(GroupChanged.newBuilder().setGroup(team).build());
        }
        assertThat(changes("eve")).isEmpty();
        assertThat(told).containsExactlyInAnyOrder("alice", "bob", "charlie");
    }

    @Test
    void createRefusesBadNamesUnknownMembersAndAGroupOfOne() {
        assertRefused(
                () -> create("alice", "no spaces", List.of("bob")),
                Refusal.Kind.INVALID,
                "'no spaces' is not a valid group name (letters, digits, _ . -, at most 32)");
        assertRefused(
                () -> create("alice", "x".repeat(33), List.of("bob")),
                Refusal.Kind.INVALID,
                "'" + "x".repeat(33) + "' is not a valid group name (letters, digits, _ . -, at most 32)");
        assertRefused(
                () -> create("alice", "bob", List.of("charlie")),
                Refusal.Kind.INVALID,
                "'bob' is a user's name; pick another group name");
        assertRefused(
                () -> create("alice", "team", List.of("bob", "zed")), Refusal.Kind.NOT_FOUND, "there is no user 'zed'");
        assertRefused(
                () -> create("alice", "team", List.of("alice")),
                Refusal.Kind.INVALID,
                "a group needs at least one member besides you");
        assertRefused(
                () -> create("alice", "team", List.of()),
                Refusal.Kind.INVALID,
                "a group needs at least one member besides you");
        assertThat(directory.group("team")).isEmpty();
        assertThat(changes("bob")).isEmpty();
        assertThat(told).isEmpty();
    }

    @Test
    void aTakenNameIsRefusedWhetherTheGroupIsFromConfigOrMadeAtRunTime() {
        Group team = create("alice", "team", List.of("bob"));
        told.clear();
        assertRefused(
                () -> create("charlie", "team", List.of("eve")),
                Refusal.Kind.EXISTS,
                "a group named 'team' already exists");
        assertRefused(
                () -> create("foo", "group1", List.of("bar")),
                Refusal.Kind.EXISTS,
                "a group named 'group1' already exists");
        assertThat(directory.group("team")).contains(team);
        assertThat(changes("eve")).isEmpty();
        assertThat(told).isEmpty();
    }

    @Test
    void leavingTellsTheOthersTheNewMembersAndTheLeaverThatTheyAreOut() {
        create("alice", "team", List.of("bob", "charlie"));
        told.clear();
        Group after = leave("bob", "team");
        assertThat(after.getMembersList()).containsExactly("alice", "charlie");
        assertThat(directory.group("team")).contains(after);
        assertThat(changes("alice"))
                .last()
                .isEqualTo(GroupChanged.newBuilder().setGroup(after).build());
        assertThat(changes("charlie"))
                .last()
                .isEqualTo(GroupChanged.newBuilder().setGroup(after).build());
        assertThat(changes("bob"))
                .last()
                .isEqualTo(GroupChanged.newBuilder()
                        .setGroup(after)
                        .setRemoved(true)
                        .build());
        assertThat(told).containsExactlyInAnyOrder("alice", "charlie", "bob");
    }

    @Test
    void theLastMemberToLeaveDeletesTheGroupAndItsNameIsFreeAgain() {
        create("alice", "team", List.of("bob"));
        leave("alice", "team");
        Group empty = leave("bob", "team");
        assertThat(empty.getMembersList()).isEmpty();
        assertThat(directory.group("team")).isEmpty();
        assertThat(changes("bob"))
                .last()
                .satisfies(c -> assertThat(c.getRemoved()).isTrue());
        assertThat(create("eve", "team", List.of("foo")).getMembersList()).containsExactly("eve", "foo");
    }

    @Test
    void leaveRefusesConfigGroupsUnknownGroupsAndNonMembers() {
        create("alice", "team", List.of("bob"));
        told.clear();
        assertRefused(
                () -> leave("alice", "group1"),
                Refusal.Kind.PRECONDITION,
                "group1 comes from config.yaml and cannot be changed at run time");
        assertRefused(() -> leave("alice", "nope"), Refusal.Kind.NOT_FOUND, "there is no group 'nope'");
        assertRefused(() -> leave("eve", "team"), Refusal.Kind.DENIED, "you are not a member of team");
        assertThat(directory.group("team").orElseThrow().getMembersList()).containsExactly("alice", "bob");
        assertThat(changes("alice")).hasSize(1);
        assertThat(told).isEmpty();
    }

    @Test
    void everyChangeMovesTheGroupVersionSoSendsSealedForTheOldMembersAreRefused() {
        long before = store.groupVersion("team");
        create("alice", "team", List.of("bob", "charlie"));
        long created = store.groupVersion("team");
        leave("charlie", "team");
        assertThat(created).isGreaterThan(before);
        assertThat(store.groupVersion("team")).isGreaterThan(created);
    }

    @Test
    void everyChangeIsAStatementSignedByItsMemberAndTheGroupCarriesTheChain() throws Exception {
        create("alice", "team", List.of("bob", "charlie"));
        Group after = leave("bob", "team");
        assertThat(after.getChainCount()).isEqualTo(2);
        Membership.State state = Membership.verify(
                after.getChainList(), "team", u -> Optional.of(signers.of(u).getPublicKey()));
        assertThat(state.members()).containsExactly("alice", "charlie");
        assertThat(changes("charlie"))
                .last()
                .satisfies(c -> assertThat(c.getGroup().getChainList()).isEqualTo(after.getChainList()));
    }

    @Test
    void aCreateThatIsUnsignedForgedOrForOtherMembersIsRefused() {
        assertRefused(
                () -> groups.create("alice", "team", List.of("bob"), SignedStatement.getDefaultInstance()),
                Refusal.Kind.INVALID,
                "the request carries no signed membership statement: this server needs one (PROTOCOL.md, Signed"
                        + " membership); upgrade the client");
        SignedStatement byBobsKey = Membership.create(signers.of("bob"), "team", "alice", List.of("bob"));
        assertRefused(
                () -> groups.create("alice", "team", List.of("bob"), byBobsKey),
                Refusal.Kind.INVALID,
                "the membership statement is refused: it is not signed by alice");
        assertRefused(
                () -> groups.create("alice", "team", List.of("bob"), signers.create("bob", "team", List.of("alice"))),
                Refusal.Kind.INVALID,
                "the membership statement is made by 'bob', not by you");
        assertRefused(
                () -> groups.create("alice", "team", List.of("bob"), signers.create("alice", "team", List.of("eve"))),
                Refusal.Kind.INVALID,
                "the signed statement names the members alice,eve, but the request asks for alice,bob");
        assertRefused(
                () -> groups.create("alice", "team", List.of("bob"), signers.create("alice", "other", List.of("bob"))),
                Refusal.Kind.INVALID,
                "the membership statement is refused: the statement is about group 'other', not team");
        assertThat(directory.group("team")).isEmpty();
        assertThat(told).isEmpty();
    }

    @Test
    void aLeaveChainedToAnOldStateOrSignedByAnotherIsRefused() {
        Group created = create("alice", "team", List.of("bob", "charlie"));
        leave("charlie", "team");
        told.clear();
        assertRefused(
                () -> groups.leave("bob", "team", signers.leave("bob", created)),
                Refusal.Kind.PRECONDITION,
                "the membership of team changed (it is at version 2): read the group again, sign again and leave"
                        + " again");
        Group now = directory.group("team").orElseThrow();
        assertRefused(
                () -> groups.leave("bob", "team", Members.leave(signers.of("alice"), "bob", now)),
                Refusal.Kind.INVALID,
                "the membership statement is refused: it is not signed by bob");
        assertRefused(
                () -> groups.leave("bob", "team", SignedStatement.getDefaultInstance()),
                Refusal.Kind.INVALID,
                "the request carries no signed membership statement: this server needs one (PROTOCOL.md, Signed"
                        + " membership); upgrade the client");
        assertThat(directory.group("team").orElseThrow().getMembersList()).containsExactly("alice", "bob");
        assertThat(told).isEmpty();
    }

    // ---- invitations: nobody is put into a group without consent ----

    private static Limits limits(int groupsPerUser, int invitationsPerUser) {
        Limits d = Limits.DEFAULTS;
        return new Limits(
                d.heldMessages(),
                d.heldBytes(),
                d.historyKept(),
                d.historyPage(),
                d.historyCallsPerMinute(),
                groupsPerUser,
                d.membersPerGroup(),
                d.groupChangesPerMinute(),
                invitationsPerUser,
                d.groupInvitationHours(),
                d.devicesPerUser());
    }

    private static List<String> invited(Group g) {
        return g.getInvitedList().stream().map(Invitation::getUser).toList();
    }

    @Test
    void aStrangerCanNeitherFillAUsersGroupsNorTheirInvitations() {
        groups = groups(limits(5, 3));
        for (String mallory : List.of("foo", "bar", "baz", "qux")) {
            strangers(mallory, "bob");
        }
        // foo is a stranger to bob: its group only invites bob, once at a time.
        Group first = create("foo", "squat1", List.of("bob"));
        assertThat(invited(first)).containsExactly("bob");
        assertThat(first.getInvited(0).getExpiresAtMillis())
                .isEqualTo(clock.millis() + Duration.ofDays(3).toMillis());
        assertRefused(
                () -> create("foo", "squat2", List.of("bob")),
                Refusal.Kind.EXHAUSTED,
                "bob has not answered your invitation to 'squat1' yet: you can invite someone you have no accepted"
                        + " chat with to one group at a time");
        create("bar", "squat3", List.of("bob"));
        create("baz", "squat4", List.of("bob"));
        assertRefused(
                () -> create("qux", "squat5", List.of("bob")),
                Refusal.Kind.EXHAUSTED,
                "bob has 3 group invitations waiting for an answer, as many as one user can have: ask bob to answer"
                        + " them, or to accept a chat with you first");
        // alice has an accepted chat with bob: bob is in her groups at once, up to his own 5.
        for (int i = 1; i <= 5; i++) {
            Group real = create("alice", "real" + i, List.of("bob"));
            assertThat(invited(real)).isEmpty();
        }
        assertRefused(
                () -> create("charlie", "real6", List.of("bob")),
                Refusal.Kind.EXHAUSTED,
                "bob is already in as many groups as one user can be in (5)");
        assertThat(directory.groupsOf("bob")).extracting(Group::getName).contains("squat1", "real5");
    }

    @Test
    void anInvitedMemberReadsNothingUntilTheyJoinAndThenCounts() {
        groups = groups(limits(1, 3));
        strangers("eve", "bob");
        Group team = create("eve", "team", List.of("bob", "charlie"));
        assertThat(team.getMembersList()).containsExactly("bob", "charlie", "eve");
        assertThat(invited(team)).containsExactly("bob");
        assertThat(changes("bob"))
                .last()
                .isEqualTo(GroupChanged.newBuilder().setGroup(team).build());
        told.clear();

        Group joined = groups.answer("bob", "team", true, SignedStatement.getDefaultInstance());
        assertThat(invited(joined)).isEmpty();
        assertThat(joined.getMembersList()).containsExactly("bob", "charlie", "eve");
        assertThat(told).containsExactlyInAnyOrder("bob", "charlie", "eve");
        assertRefused(
                () -> groups.answer("bob", "team", true, SignedStatement.getDefaultInstance()),
                Refusal.Kind.PRECONDITION,
                "you are a member of team already");
        assertRefused(
                () -> groups.answer("charlie", "team", false, signers.leave("charlie", joined)),
                Refusal.Kind.PRECONDITION,
                "you are a member of team, not invited: leave it instead");
        // bob's one group place is now taken
        assertRefused(
                () -> create("alice", "other", List.of("bob")),
                Refusal.Kind.EXHAUSTED,
                "bob is already in as many groups as one user can be in (1)");
    }

    @Test
    void anInvitationCanBeDeclinedAndExpires() {
        strangers("eve", "bob");
        strangers("eve", "charlie");
        Group team = create("eve", "team", List.of("bob", "charlie"));
        assertThat(invited(team)).containsExactly("bob", "charlie");
        Group declined = groups.answer("bob", "team", false, signers.leave("bob", team));
        assertThat(declined.getMembersList()).containsExactly("charlie", "eve");
        assertThat(invited(declined)).containsExactly("charlie");
        assertThat(changes("bob"))
                .last()
                .satisfies(c -> assertThat(c.getRemoved()).isTrue());

        clock.advance(Duration.ofDays(3));
        assertRefused(
                () -> groups.answer("charlie", "team", true, SignedStatement.getDefaultInstance()),
                Refusal.Kind.PRECONDITION,
                "your invitation to team expired at 2030-01-04T00:00:00Z: decline it, and ask its members to invite"
                        + " you again");
        assertThat(directory.groupsOf("charlie")).extracting(Group::getName).containsExactly("group1");
        // an expired invitation no longer counts: eve may invite charlie again
        assertThat(invited(create("eve", "again", List.of("charlie")))).containsExactly("charlie");
        assertRefused(
                () -> groups.answer("alice", "team", true, SignedStatement.getDefaultInstance()),
                Refusal.Kind.DENIED,
                "you are not invited to team");
    }

    @Test
    void whenTheLastMemberWhoJoinedLeavesTheInvitationsGoWithTheGroup() {
        strangers("eve", "bob");
        create("eve", "team", List.of("bob"));
        leave("eve", "team");
        assertThat(directory.group("team")).isEmpty();
        assertThat(changes("bob"))
                .last()
                .satisfies(c -> assertThat(c.getRemoved()).isTrue());
        assertThat(directory.groupsOf("bob")).extracting(Group::getName).containsExactly("group1");
    }
}
