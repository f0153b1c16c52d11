package dev.spartan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.chat.Refusal;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.server.InProcessNode.User;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every domain failure, provoked through a real call, reaches the client as its status and its words. */
class StatusMappingTest {
    private static final int OPEN_CHALLENGES = 3;
    private InProcessNode node;
    private User alice;
    private User bob;

    @BeforeEach
    void start() throws Exception {
        SpartanConfig config = ConfigLoader.load(Path.of("config.yaml")).withRateLimit(1000, Duration.ofSeconds(1));
        node = new InProcessNode(config.withSecurity(config.security().withMaxOpenChallenges(OPEN_CHALLENGES)));
        alice = node.login("alice");
        bob = node.login("bob");
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
    }

    static void assertStatus(ThrowingCallable call, Status.Code code, String words) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(words);
        });
    }

    @ParameterizedTest
    @EnumSource(Refusal.Kind.class)
    void eachKindOfRefusalReachesTheClientAsItsStatus(Refusal.Kind kind) {
        // A switch expression over the enum: a new kind does not compile until it has a case here.
        ThrowingCallable call = switch (kind) {
            case INVALID ->
                () -> alice.stub()
                        .requestChat(ChatRequest.newBuilder().setPeer("alice").build());
            case NOT_FOUND ->
                () -> alice.stub()
                        .requestChat(ChatRequest.newBuilder().setPeer("zed").build());
            case EXISTS -> () -> alice.stub().createGroup(alice.createRequest("group1", "bob"));
            case DENIED ->
                () -> alice.stub()
                        .history(HistoryRequest.newBuilder()
                                .setChat(ChatIds.toGroup("group2"))
                                .build());
            case PRECONDITION ->
                () -> alice.stub()
                        .answerChat(ChatAnswer.newBuilder()
                                .setPeer("bob")
                                .setAccept(true)
                                .build());
            case CONFLICT ->
                () -> {
                    node.store().groupsKeepChanging(true);
                    alice.stub().sendMsg(alice.message(ChatIds.toGroup("group1"), "hi all", "alice", "bob"));
                };
            case EXHAUSTED ->
                () -> {
                    for (int i = 0; i <= OPEN_CHALLENGES; i++) {
                        node.auth()
                                .challenge(ChallengeRequest.newBuilder()
                                        .setUser("alice")
                                        .build());
                    }
                };
            case UNAUTHENTICATED ->
                () -> node.auth()
                        .login(LoginRequest.newBuilder()
                                .setUser("alice")
                                .setNonce(ByteString.copyFrom(new byte[32]))
                                .build());
        };
        Status.Code expected = switch (kind) {
            case INVALID -> Status.Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case EXISTS -> Status.Code.ALREADY_EXISTS;
            case DENIED -> Status.Code.PERMISSION_DENIED;
            case PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            case CONFLICT -> Status.Code.ABORTED;
            case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
            case EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
        };
        String words = switch (kind) {
            case INVALID -> "you cannot chat with yourself";
            case NOT_FOUND -> "there is no user 'zed'";
            case EXISTS -> "a group named 'group1' already exists";
            case DENIED -> "you are not a member of group2";
            case PRECONDITION -> "bob has not asked to chat with you";
            case CONFLICT -> "the members of group1 keep changing: send again";
            case UNAUTHENTICATED -> "the login challenge is unknown, used or expired";
            case EXHAUSTED -> "too many logins in progress on this server";
        };
        assertStatus(call, expected, words);
    }

    @Test
    void aStoreThatCannotBeReachedIsUnavailableOnEveryServiceAndTheNodeRecovers() throws Exception {
        alice.stub().requestChat(ChatRequest.newBuilder().setPeer("bob").build());
        bob.stub()
                .answerChat(
                        ChatAnswer.newBuilder().setPeer("alice").setAccept(true).build());

        node.store().down(true);
        String words = "storage is unavailable, try again shortly";
        assertStatus(
                () -> alice.stub().listUsers(ListUsersRequest.getDefaultInstance()), Status.Code.UNAVAILABLE, words);
        assertStatus(
                () -> alice.stub().sendMsg(alice.message(ChatIds.toUser("bob"), "hi", "alice", "bob")),
                Status.Code.UNAVAILABLE,
                words);
        assertStatus(() -> node.login("charlie"), Status.Code.UNAVAILABLE, words); // the login pins keys in the store
        assertThat(bob.receive(0).end())
                .satisfies(s -> assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE))
                .satisfies(s -> assertThat(s.getDescription()).contains(words));

        node.store().down(false);
        assertThat(alice.stub()
                        .sendMsg(alice.message(ChatIds.toUser("bob"), "hi", "alice", "bob"))
                        .getChatSeq())
                .isEqualTo(1);
        assertThat(node.login("charlie").login.getSessionToken()).isNotEmpty();
        InProcessNode.Stream stream = bob.receive(0);
        assertThat(stream.next().getChatRequested().getFrom()).isEqualTo("alice");
        assertThat(WireSession.opaqueText(stream.next().getMessage())).isEqualTo("hi");
    }

    @Test
    void aDescriptionQuotingTheCallerShowsItsControlCharactersAsEscapes() {
        assertThatThrownBy(() -> node.auth()
                        .challenge(ChallengeRequest.newBuilder()
                                .setUser("ali\u001b[2J\u202e\r\u0085\u00e9")
                                .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription())
                            .startsWith("'ali\\x1b[2J\\u202e\\x0d\\x85\u00e9' is not a user of this server")
                            .doesNotContain("\u001b", "\u202e", "\r", "\u0085");
                });
    }

    @Test
    void plainTextIsKeptAsItIs() {
        assertThat(StatusText.escape("bob is 'bob' – déjà vu")).isEqualTo("bob is 'bob' – déjà vu");
    }
}
