package dev.spartan.server;

import static dev.spartan.server.StatusMappingTest.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.config.ConfigLoader;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.AckRequest;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.ChatState;
import dev.spartan.proto.CreateGroupRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.GetKeysRequest;
import dev.spartan.proto.Group;
import dev.spartan.proto.Invitation;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.SendAck;
import dev.spartan.server.InProcessNode.Stream;
import dev.spartan.server.InProcessNode.User;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Spartan service through real stubs on an in-process node: what each call does for the authenticated caller. */
class ChatServiceTest {
    private InProcessNode node;
    private User alice;
    private User bob;

    @BeforeEach
    void start() throws Exception {
        node = new InProcessNode(ConfigLoader.load(Path.of("config.yaml")).withRateLimit(1000, Duration.ofSeconds(1)));
        alice = node.login("alice");
        bob = node.login("bob");
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
    }

    @Test
    void aStreamSendsTheBacklogThenCaughtUpThenWhatArrivesAndResumesAfterTheAck() throws Exception {
        Stream aliceStream = alice.receive(0);
        assertThat(aliceStream.next().hasCaughtUp()).isTrue();

        ChatState pending =
                bob.stub().requestChat(ChatRequest.newBuilder().setPeer("alice").build());
        assertThat(pending.getStatus()).isEqualTo(ChatState.Status.PENDING);
        assertThat(pending.getPeerKeys()).isEqualTo(WireSession.wire(node.identity("alice")));
        Event requested = aliceStream.next();
        assertThat(requested.getChatRequested().getFrom()).isEqualTo("bob");
        assertThat(requested.getSeq()).isEqualTo(1);

        assertThat(alice.stub()
                        .answerChat(ChatAnswer.newBuilder()
                                .setPeer("bob")
                                .setAccept(true)
                                .build())
                        .getStatus())
                .isEqualTo(ChatState.Status.ACCEPTED);
        SendAck ack = alice.stub().sendMsg(alice.message(ChatIds.toUser("bob"), "hello bob", "alice", "bob"));
        assertThat(ack.getChatSeq()).isEqualTo(1);
        assertThat(ack.getHeld()).isFalse();

        Stream bobStream = bob.receive(0);
        Event accepted = bobStream.next();
        assertThat(accepted.getChatAccepted().getBy()).isEqualTo("alice");
        Event message = bobStream.next();
        assertThat(message.getMessage().getSender()).isEqualTo("alice");
        assertThat(WireSession.opaqueText(message.getMessage())).isEqualTo("hello bob");
        assertThat(bobStream.next().hasCaughtUp()).isTrue();

        bob.stub().ack(AckRequest.newBuilder().setSeq(message.getSeq()).build());
        Stream again = bob.receive(0); // replaces the first stream; the acked events are gone
        assertThat(again.next().hasCaughtUp()).isTrue();
        assertThat(bobStream.end().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void aSecondLoginEndsTheFirstStreamWithWordsTheOldClientShows() throws Exception {
        Stream first = alice.receive(0);
        assertThat(first.next().hasCaughtUp()).isTrue();
        User again = node.login("alice");
        Stream second = again.receive(0);
        assertThat(second.next().hasCaughtUp()).isTrue();
        assertThat(first.end().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(first.end().getDescription())
                .isEqualTo("alice signed in from another client; this session is closed");
    }

    @Test
    void aSecondStreamOfTheSameSessionSaysSoRatherThanBlamingAnotherClient() throws Exception {
        Stream first = alice.receive(0);
        assertThat(first.next().hasCaughtUp()).isTrue();
        Stream second = alice.receive(0);
        assertThat(second.next().hasCaughtUp()).isTrue();
        assertThat(first.end().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(first.end().getDescription())
                .isEqualTo("this session opened a newer push stream (one stream per session): this older stream is"
                        + " closed");
    }

    @Test
    void listUsersShowsWhoIsOnlineAndTheCallersGroups() throws Exception {
        assertThat(bob.receive(0).next().hasCaughtUp()).isTrue();
        var users = alice.stub().listUsers(ListUsersRequest.getDefaultInstance());
        assertThat(users.getUsersList()).containsExactly("alice", "bob", "charlie", "eve", "foo", "bar", "baz", "qux");
        assertThat(users.getOnlineList()).containsExactly("bob");
        assertThat(users.getGroupsList()).extracting(Group::getName).containsExactly("group1");
    }

    @Test
    void getKeysAnswersPinnedKeysOnly() {
        assertThat(alice.stub()
                        .getKeys(GetKeysRequest.newBuilder().setUser("bob").build())
                        .getKeys())
                .isEqualTo(WireSession.wire(node.identity("bob")));
        assertStatus(
                () -> alice.stub()
                        .getKeys(GetKeysRequest.newBuilder().setUser("charlie").build()),
                Status.Code.NOT_FOUND,
                "charlie has never logged in, so has no keys yet");
        assertStatus(
                () -> alice.stub()
                        .getKeys(GetKeysRequest.newBuilder().setUser("zed").build()),
                Status.Code.NOT_FOUND,
                "there is no user 'zed'");
    }

    @Test
    void aMessageToAChatNeverRequestedIsRefusedAndOneToAPendingChatIsHeld() throws Exception {
        assertStatus(
                () -> alice.stub().sendMsg(alice.message(ChatIds.toUser("bob"), "too early", "alice", "bob")),
                Status.Code.FAILED_PRECONDITION,
                "you have no chat with bob: request one first");
        alice.stub().requestChat(ChatRequest.newBuilder().setPeer("bob").build());
        assertThat(alice.stub()
                        .sendMsg(alice.message(ChatIds.toUser("bob"), "held", "alice", "bob"))
                        .getHeld())
                .isTrue();
        bob.stub()
                .answerChat(
                        ChatAnswer.newBuilder().setPeer("alice").setAccept(true).build());
        Stream bobStream = bob.receive(0);
        assertThat(bobStream.next().getChatRequested().getFrom()).isEqualTo("alice");
        assertThat(WireSession.opaqueText(bobStream.next().getMessage()))
                .as("released to bob when he accepted")
                .isEqualTo("held");
        assertThat(bobStream.next().hasCaughtUp()).isTrue();
    }

    /** alice asks bob to chat and he accepts: a stranger's group would only invite him. */
    private void aliceAndBobChat() {
        alice.stub().requestChat(ChatRequest.newBuilder().setPeer("bob").build());
        bob.stub()
                .answerChat(
                        ChatAnswer.newBuilder().setPeer("alice").setAccept(true).build());
    }

    @Test
    void createGroupMembersMayNameTheCreatorOrNotButMustBeWhatTheStatementSigns() {
        aliceAndBobChat();
        // The request's members with or without the caller, repeated or in any order: the same group.
        CreateGroupRequest withCreator = alice.createRequest("team", "charlie", "bob", "alice", "bob");
        Group team = alice.stub().createGroup(withCreator);
        assertThat(team.getMembersList()).containsExactly("alice", "bob", "charlie");
        assertThat(team.getInvitedList()).extracting(Invitation::getUser).containsExactly("charlie");
        Group other = alice.stub().createGroup(alice.createRequest("other", "bob"));
        assertThat(other.getMembersList()).containsExactly("alice", "bob");

        // A statement signed for other members than the request asks for: refused, nothing made.
        CreateGroupRequest disagreeing = alice.createRequest("third", "bob").toBuilder()
                .clearMembers()
                .addMembers("charlie")
                .build();
        assertThatThrownBy(() -> alice.stub().createGroup(disagreeing))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("the signed statement names the members alice,bob, but the request asks for"
                                    + " alice,charlie");
                });
        assertThat(alice.stub().listUsers(ListUsersRequest.getDefaultInstance()).getGroupsList())
                .extracting(Group::getName)
                .containsExactlyInAnyOrder("group1", "team", "other");
    }

    @Test
    void groupsAreMadeAndLeftOverTheWire() throws Exception {
        aliceAndBobChat();
        Group team = alice.stub().createGroup(alice.createRequest("team", "bob"));
        assertThat(team.getMembersList()).containsExactly("alice", "bob");
        assertStatus(
                () -> bob.stub().createGroup(bob.createRequest("team", "alice")),
                Status.Code.ALREADY_EXISTS,
                "a group named 'team' already exists");

        Stream bobStream = bob.receive(0);
        assertThat(bobStream.next().getChatRequested().getFrom()).isEqualTo("alice");
        assertThat(bobStream.next().getGroupChanged().getGroup()).isEqualTo(team);
        assertThat(bobStream.next().hasCaughtUp()).isTrue();

        Group left = alice.stub().leaveGroup(alice.leaveRequest(team));
        assertThat(left.getMembersList()).containsExactly("bob");
        assertThat(bobStream.next().getGroupChanged().getGroup()).isEqualTo(left);
        assertStatus(
                () -> alice.stub().leaveGroup(alice.leaveRequest(left)),
                Status.Code.PERMISSION_DENIED,
                "you are not a member of team");
    }

    @Test
    void aMessageOverTheConfiguredSizeIsRefusedWithBothSizes() {
        String big = "x".repeat(65536 + 1);
        assertStatus(
                () -> alice.stub().sendMsg(alice.message(ChatIds.toUser("bob"), big, "alice", "bob")),
                Status.Code.INVALID_ARGUMENT,
                "bytes encrypted; the limit is 65536 bytes"); // every ciphertext counts
    }
}
