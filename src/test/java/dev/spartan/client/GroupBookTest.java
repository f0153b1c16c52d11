package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.contract.Membership;
import dev.spartan.proto.Group;
import dev.spartan.proto.Invitation;
import dev.spartan.proto.MembershipStatement;
import dev.spartan.proto.SignedStatement;
import dev.spartan.testing.Members;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The member lists a client trusts: signed chains, config.yaml's groups, pins, and what the server cannot do. */
class GroupBookTest {
    private static final List<String> USERS = List.of("alice", "bob", "charlie", "eve", "mallory");

    @TempDir
    Path dir;

    private final Members members = new Members();
    private final List<String> notices = new ArrayList<>();
    private GroupBook book;

    @BeforeEach
    void setUp() throws Exception {
        book = book(Map.of("group1", List.of("alice", "bob", "charlie", "eve")));
    }

    private GroupBook book(Map<String, List<String>> config) throws Exception {
        return new GroupBook(
                "alice", dir, config, u -> Optional.of(members.of(u).getPublicKey()), notices::add);
    }

    /** team: created by bob with alice and charlie, then charlie left. */
    private Group team(boolean charlieLeft) {
        SignedStatement create = members.create("bob", "team", List.of("alice", "charlie"));
        Group created = Group.newBuilder()
                .setName("team")
                .addAllMembers(List.of("alice", "bob", "charlie"))
                .addChain(create)
                .build();
        if (!charlieLeft) {
            return created;
        }
        return created.toBuilder()
                .clearMembers()
                .addAllMembers(List.of("alice", "bob"))
                .addChain(members.leave("charlie", created))
                .build();
    }

    private static final String WARNING = "WARNING: the server sent a membership change of ";

    @Test
    void aSignedChainGivesItsMembersAndEveryChangeIsShown() throws Exception {
        Group created = team(false);
        assertThat(book.verify(created, USERS))
                .hasValueSatisfying(g -> assertThat(g.getMembersList()).containsExactly("alice", "bob", "charlie"));
        Group after = team(true).toBuilder()
                .setChain(0, created.getChain(0))
                .setChain(1, members.leave("charlie", created))
                .build();
        assertThat(book.verify(after, USERS))
                .hasValueSatisfying(g -> assertThat(g.getMembersList()).containsExactly("alice", "bob"));
        assertThat(notices)
                .containsExactly("[team] bob created the group with alice,bob,charlie.", "[team] charlie left.");
        // the verified state outlives the client
        assertThat(book(Map.of()).state("team"))
                .hasValueSatisfying(s -> assertThat(s.version()).isEqualTo(2));
    }

    @Test
    void askingWhetherThisUserLeftShowsAndPinsNothing() throws Exception {
        Group created = team(false);
        book.verify(created, USERS);
        book.forget("team"); // alice left
        notices.clear();
        Group without = created.toBuilder()
                .clearMembers()
                .addAllMembers(List.of("bob", "charlie"))
                .addChain(members.leave("alice", created))
                .build();
        assertThat(book.left(without, USERS)).isTrue();
        assertThat(notices).as("no stale 'bob created the group' line").isEmpty();
        assertThat(book(Map.of()).state("team")).isEmpty();
    }

    @Test
    void anInvitationIsAskedNotAnnouncedAndOnlySignedMembersCanBeInvited() {
        Group served = team(false).toBuilder()
                .addInvited(Invitation.newBuilder().setUser("alice").setExpiresAtMillis(5))
                .addInvited(Invitation.newBuilder().setUser("mallory").setExpiresAtMillis(5))
                .build();
        assertThat(book.verify(served, USERS))
                .hasValueSatisfying(g -> assertThat(g.getInvitedList())
                        .extracting(Invitation::getUser)
                        .as("mallory is no member: the server cannot make her one by inviting her")
                        .containsExactly("alice"));
        assertThat(notices).as("alice is asked by Invitations instead").isEmpty();

        Invitations invitations = new Invitations("alice", Clock.fixed(Instant.ofEpochMilli(4), ZoneOffset.UTC));
        Group verified = book.verify(served, USERS).orElseThrow();
        assertThat(invitations.invites(verified)).isTrue();
        assertThat(invitations.offer(verified))
                .hasValueSatisfying(o -> assertThat(o.question()).isEqualTo("bob added you to 'team' with charlie."));
        assertThat(invitations.offer(verified)).as("asked once").isEmpty();
        Invitations later = new Invitations("alice", Clock.fixed(Instant.ofEpochMilli(5), ZoneOffset.UTC));
        assertThat(later.offer(verified)).as("expired").isEmpty();

        Group othersInvited = team(false).toBuilder()
                .addInvited(Invitation.newBuilder().setUser("charlie").setExpiresAtMillis(5))
                .build();
        book.forget("team");
        notices.clear();
        book.verify(othersInvited, USERS);
        assertThat(notices)
                .containsExactly(
                        "[team] bob created the group with alice,bob,charlie (invited, not joined yet: charlie).");
    }

    @Test
    void aGhostInTheServersListIsIgnoredWithAWarning() {
        Group ghost = team(false).toBuilder().addMembers("mallory").build();
        assertThat(book.verify(ghost, USERS))
                .hasValueSatisfying(g -> assertThat(g.getMembersList()).containsExactly("alice", "bob", "charlie"));
        assertThat(notices)
                .contains(WARNING + "team that is not signed by a member: ignored (its members are alice,bob,charlie"
                        + " as signed, not alice,bob,charlie,mallory).");
    }

    @Test
    void anUnsignedOrBadlyChainedChangeIsRefusedAndTheLastVerifiedMembersStay() {
        Group created = team(false);
        book.verify(created, USERS);
        // the server appends an "add mallory" in bob's name, signed by a key that is not bob's
        MembershipStatement add = MembershipStatement.newBuilder()
                .setGroup("team")
                .setVersion(2)
                .setPreviousHash(Membership.hash(created.getChain(0).getStatement()))
                .setKind(MembershipStatement.Kind.LEAVE)
                .setActor("bob")
                .addAllMembers(List.of("alice", "charlie"))
                .build();
        Group forged = created.toBuilder()
                .addChain(Membership.sign(members.of("mallory"), add))
                .build();
        assertThat(book.verify(forged, USERS))
                .hasValueSatisfying(g -> assertThat(g.getMembersList()).containsExactly("alice", "bob", "charlie"));
        assertThat(notices)
                .contains(WARNING + "team that is not signed by a member: ignored (it is not signed by bob).");
        Group unlinked = created.toBuilder()
                .addChain(members.leave(
                        "charlie", created.toBuilder().clearChain().build()))
                .build();
        assertThat(book.verify(unlinked, USERS))
                .hasValueSatisfying(g -> assertThat(g.getMembersList()).containsExactly("alice", "bob", "charlie"));
        assertThat(notices.get(notices.size() - 1)).endsWith("(version 1 does not follow version 1 (badly chained)).");
    }

    @Test
    void aRollbackOrAForkIsRefused() {
        Group after = team(true);
        book.verify(after, USERS);
        Group back = Group.newBuilder()
                .setName("team")
                .addAllMembers(List.of("alice", "bob", "charlie"))
                .addChain(after.getChain(0))
                .build();
        assertThat(book.verify(back, USERS))
                .hasValueSatisfying(g -> assertThat(g.getMembersList()).containsExactly("alice", "bob"));
        assertThat(notices.get(notices.size() - 1))
                .isEqualTo(WARNING + "team that is not signed by a member: ignored (it goes back to version 1; this"
                        + " client has seen version 2 (rolled back)).");
        // another, validly signed history of the same name
        Group otherStart = Group.newBuilder()
                .setName("team")
                .addAllMembers(List.of("alice", "bob", "charlie", "mallory"))
                .addChain(members.create("bob", "team", List.of("alice", "charlie", "mallory")))
                .build();
        Group other = otherStart.toBuilder()
                .clearMembers()
                .addAllMembers(List.of("alice", "bob", "mallory"))
                .addChain(members.leave("charlie", otherStart))
                .build();
        assertThat(book.verify(other, USERS))
                .hasValueSatisfying(g -> assertThat(g.getMembersList()).containsExactly("alice", "bob"));
        assertThat(notices.get(notices.size() - 1))
                .isEqualTo(WARNING + "team that is not signed by a member: ignored (its version 2 is not the one this"
                        + " client has seen (forked)).");
    }

    @Test
    void aConfigGroupHasTheMembersOfConfigYaml() {
        Group served = Group.newBuilder()
                .setName("group1")
                .addAllMembers(List.of("alice", "bob", "charlie", "eve", "mallory"))
                .setFromConfig(true)
                .build();
        assertThat(book.verify(served, USERS))
                .hasValueSatisfying(
                        g -> assertThat(g.getMembersList()).containsExactly("alice", "bob", "charlie", "eve"));
        assertThat(notices)
                .containsExactly(WARNING + "group1 that is not signed by a member: ignored (group1 comes from"
                        + " config.yaml, and its members are alice,bob,charlie,eve (config.yaml), not"
                        + " alice,bob,charlie,eve,mallory).");
    }

    @Test
    void withoutConfigYamlAConfigGroupIsPinnedAtFirstSight() throws Exception {
        GroupBook first = book(Map.of());
        Group honest = Group.newBuilder()
                .setName("group1")
                .addAllMembers(List.of("alice", "bob", "charlie", "eve"))
                .setFromConfig(true)
                .build();
        assertThat(first.verify(honest, USERS)).isPresent();
        assertThat(notices)
                .containsExactly("[group1] The members of group1 (alice,bob,charlie,eve) are as the server shows them,"
                        + " not verified yet: there is no config.yaml here. Each member's client says in its messages"
                        + " whom it encrypts for, and you are warned if that differs.");
        assertThat(first.unverified("group1")).isTrue();
        notices.clear();
        GroupBook later = book(Map.of());
        assertThat(later.unverified("group1")).as("kept across a restart").isTrue();
        Group ghost = honest.toBuilder().addMembers("mallory").build();
        assertThat(later.verify(ghost, USERS))
                .hasValueSatisfying(
                        g -> assertThat(g.getMembersList()).containsExactly("alice", "bob", "charlie", "eve"));
        // never a config.yaml this client does not have
        assertThat(notices)
                .containsExactly(WARNING + "group1 that is not signed by a member: ignored (group1 is a fixed group of"
                        + " the server's configuration, and its members are alice,bob,charlie,eve (the member list"
                        + " this client pinned when it first saw it), not alice,bob,charlie,eve,mallory).");
        later.confirmed("group1");
        assertThat(book(Map.of()).unverified("group1")).isFalse();
        // nor can the server turn it into a run-time group it signs itself
        Group runtime = Group.newBuilder()
                .setName("group1")
                .addAllMembers(List.of("alice", "mallory"))
                .addChain(members.create("mallory", "group1", List.of("alice")))
                .build();
        assertThat(later.verify(runtime, USERS))
                .hasValueSatisfying(
                        g -> assertThat(g.getMembersList()).containsExactly("alice", "bob", "charlie", "eve"));
    }

    @Test
    void aNameThatIsNotAUserIsNeverAMember() {
        Group withGhost = Group.newBuilder()
                .setName("ghosts")
                .addAllMembers(List.of("alice", "bob", "zed"))
                .addChain(members.create("bob", "ghosts", List.of("alice", "zed")))
                .build();
        assertThat(book.verify(withGhost, USERS)).isEmpty();
        assertThat(notices).singleElement().asString().endsWith("(zed is not a user of this server).");
        Group unsigned = Group.newBuilder()
                .setName("plain")
                .addAllMembers(List.of("alice", "bob"))
                .build();
        assertThat(book.verify(unsigned, USERS)).isEmpty();
        Group badSignature = Group.newBuilder()
                .setName("forged")
                .addAllMembers(List.of("alice", "mallory"))
                .addChain(members.create("mallory", "forged", List.of("alice")).toBuilder()
                        .setSignature(ByteString.copyFrom(new byte[64])))
                .build();
        assertThat(book.verify(badSignature, USERS)).isEmpty();
    }

    @Test
    void leavingForgetsTheGroupSoANewOneOfThatNameCanStart() {
        Group created = team(false);
        book.verify(created, USERS);
        assertThat(book.state("team")).isPresent();
        book.forget("team");
        assertThat(book.state("team")).isEmpty();
        assertThat(book.verify(team(false), USERS)).isPresent();
    }

    @Test
    void theStateFileIsOwnerOnlyAndADamagedOneIsRefusedNotGuessedAt() throws Exception {
        book.verify(team(false), USERS);
        Path file = dir.resolve(GroupBook.FILE_NAME);
        assertThat(Files.getPosixFilePermissions(file))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        Files.writeString(file, "team -1 - alice,bob\n");
        assertThatThrownBy(() -> book(Map.of())).isInstanceOf(IOException.class).hasMessageContaining("line 1");
    }

    @Test
    void aGroupThisUserLeftIsRememberedUntilItIsInOneOfThatNameAgain() throws Exception {
        assertThat(book.verify(team(false), USERS)).isPresent();
        book.forget("team");
        assertThat(book(Map.of()).hasLeft("team")).as("kept across a restart").isTrue();
        GroupBook later = book(Map.of());
        assertThat(later.verify(team(false), USERS)).isPresent();
        assertThat(later.hasLeft("team")).isFalse();
        assertThat(book(Map.of()).hasLeft("team")).isFalse();
    }
}
