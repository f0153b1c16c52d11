package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.contract.ChatIds;
import dev.spartan.contract.RetryDelay;
import dev.spartan.proto.AckRequest;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.HistoryResponse;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.testing.Chats;
import dev.spartan.testing.RawCalls;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every limit on what one user can make the server hold or do, against one node with small limits (in the test's
 * JVM, wired as {@code spartan server} wires it): each answers with its status and words, and none loses anything.
 * Each test uses its own users.
 */
class LimitsIT {
    private static final String CONFIG = """
            port: 3000
            max_num_messages_per_user: 5
            max_call_per_30_seconds_per_user: 5
            users: [alice,bob,carol,dave,erin,frank,grace,heidi,ivan,judy,ken,leo,mia,nina,oscar]
            groups:
              crew: [leo,mia,nina]
            rate_limit:
              max_calls: 5
              window_seconds: 600
            limits:
              held_messages: 3
              history_page: 3
              history_calls_per_minute: 5
              groups_per_user: 2
              members_per_group: 3
              group_changes_per_minute: 4
            """;

    @TempDir
    static Path dir;

    private static TlsNode server;

    @BeforeAll
    static void start() throws Exception {
        server = new TlsNode(dir.resolve("server"), CONFIG);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static WireSession login(String user) {
        return WireSession.login(user, dir.resolve("keys").resolve(user), server.port());
    }

    private static void assertStatus(ThrowingCallable call, Status.Code code, String words) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(words);
        });
    }

    private static String text(WireSession reader, ChatMessage m) {
        return WireSession.opaqueText(m, reader.user());
    }

    @Test
    void anAckBeyondWhatWasSentIsRefusedAndLosesNothing() throws Exception {
        try (WireSession heidi = login("heidi");
                WireSession ivan = login("ivan")) {
            Chats.open(heidi, ivan); // ivan's event 1: the request
            heidi.sendTo("ivan", "before"); // event 2
            for (long seq : new long[] {3, 5, 1L << 40, Long.MAX_VALUE, -1 /* 2^64-1 on the wire */}) {
                assertStatus(
                        () -> ivan.stub()
                                .ack(AckRequest.newBuilder().setSeq(seq).build()),
                        Status.Code.INVALID_ARGUMENT,
                        "is not an event of yours");
            }
            for (int i = 1; i <= 3; i++) {
                heidi.sendTo("ivan", "after " + i);
            }
            List<Event> events = ivan.events(ReceiveRequest.getDefaultInstance(), 7);
            assertThat(events.get(0).getStarted().getStoreEpoch()).isNotEmpty();
            assertThat(events.subList(1, 6)).extracting(Event::getSeq).containsExactly(1L, 2L, 3L, 4L, 5L);
            List<String> texts = new ArrayList<>();
            for (Event e : events.subList(2, 6)) {
                texts.add(text(ivan, e.getMessage()));
            }
            assertThat(texts).containsExactly("before", "after 1", "after 2", "after 3");
            assertThat(events.get(6).hasCaughtUp()).isTrue();
            ivan.stub().ack(AckRequest.newBuilder().setSeq(5).build());
        }
    }

    @Test
    void aPendingChatHoldsAtMostItsLimitAndADeclineDropsThemAndSaysWhich() {
        try (WireSession judy = login("judy");
                WireSession ken = login("ken")) {
            judy.stub().requestChat(ChatRequest.newBuilder().setPeer("ken").build());
            List<String> held = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                SendAck ack = judy.sendTo("ken", "waiting " + i);
                assertThat(ack.getHeld()).isTrue();
                held.add(ack.getMessageId());
            }
            assertStatus(
                    () -> judy.sendTo("ken", "one too many"),
                    Status.Code.RESOURCE_EXHAUSTED,
                    "ken has not accepted your chat request yet, and 3 messages");

            ken.stub()
                    .answerChat(ChatAnswer.newBuilder()
                            .setPeer("judy")
                            .setAccept(false)
                            .build());
            List<Event> toJudy = judy.events(ReceiveRequest.getDefaultInstance(), 3);
            assertThat(toJudy.get(1).getChatDeclined().getBy()).isEqualTo("ken");
            assertThat(toJudy.get(1).getChatDeclined().getDroppedMessageIdsList())
                    .containsExactlyElementsOf(held);
            assertThat(toJudy.get(2).hasCaughtUp()).isTrue();
            List<Event> toKen = ken.events(ReceiveRequest.getDefaultInstance(), 3);
            assertThat(toKen.get(1).getChatRequested().getFrom()).isEqualTo("judy");
            assertThat(toKen.get(2).hasCaughtUp())
                    .as("nothing held reached ken")
                    .isTrue();
        }
    }

    @Test
    void groupsAreCappedPerUserAndInSizeAndTheirChangesAreRateLimited() {
        try (WireSession alice = login("alice");
                WireSession bob = login("bob");
                WireSession carol = login("carol")) {
            alice.chatWith(bob);
            alice.chatWith(carol);
            carol.chatWith(bob);
            assertStatus(
                    () -> create(carol, "big", "dave", "erin", "frank"),
                    Status.Code.INVALID_ARGUMENT,
                    "a group has at most 3 members");
            create(alice, "g1", "bob");
            create(alice, "g2", "bob");
            assertStatus(
                    () -> create(alice, "g3", "carol"),
                    Status.Code.RESOURCE_EXHAUSTED,
                    "you are already in as many groups as one user can be in (2)");
            assertStatus(
                    () -> create(carol, "g4", "bob"),
                    Status.Code.RESOURCE_EXHAUSTED,
                    "bob is already in as many groups as one user can be in (2)");
            alice.leaveGroup("g2");
            assertThat(alice.stub()
                            .listUsers(ListUsersRequest.getDefaultInstance())
                            .getGroupsList())
                    .extracting(g -> g.getName())
                    .containsExactly("g1");
            // alice's fifth change within a minute
            assertThatThrownBy(() -> create(alice, "g5", "carol"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(e.getStatus().getDescription()).isEqualTo("Rate limit reached (4 per 60s)");
                        assertThat(RetryDelay.of(e)).isPresent();
                    });
        }
    }

    private static void create(WireSession as, String name, String... members) {
        as.createGroup(name, members);
    }

    @Test
    void aGroupNameMadeAgainAfterEveryoneLeftIsANewConversation() {
        try (WireSession dave = login("dave");
                WireSession erin = login("erin")) {
            dave.chatWith(erin);
            create(dave, "reborn", "erin");
            ChatRef reborn = ChatIds.toGroup("reborn");
            dave.send(dave.message(reborn, "from the first life", "erin"));
            assertThat(dave.history(reborn)).hasSize(1);
            erin.leaveGroup("reborn");
            dave.leaveGroup("reborn");

            create(dave, "reborn", "erin");
            assertThat(dave.history(reborn)).isEmpty();
            assertThat(erin.history(reborn)).isEmpty();
        }
    }

    @Test
    void historyComesInBoundedPagesOfWhatWasAcknowledgedAndIsRateLimited() throws Exception {
        try (WireSession frank = login("frank");
                WireSession grace = login("grace")) {
            Chats.open(frank, grace);
            for (int i = 1; i <= 4; i++) {
                frank.sendTo("grace", "f" + i);
            }
            for (int i = 1; i <= 4; i++) {
                grace.sendTo("frank", "g" + i);
            }
            ChatRef withFrank = ChatIds.toUser("frank");
            HistoryResponse newest = history(grace, withFrank, 0, 1000);
            assertThat(newest.getMessagesList())
                    .extracting(ChatMessage::getChatSeq)
                    .containsExactly(6L, 7L, 8L);
            assertThat(newest.getNextBeforeSeq()).isEqualTo(6);
            // f3 and f4 are still unacknowledged in grace's inbox: they are on their way to her, not history.
            assertThat(history(grace, withFrank, 6, 3).getMessagesList())
                    .extracting(ChatMessage::getChatSeq)
                    .containsExactly(5L);

            grace.stub().ack(AckRequest.newBuilder().setSeq(5).build()); // the request and f1..f4
            HistoryResponse middle = history(grace, withFrank, 6, 3);
            assertThat(middle.getMessagesList())
                    .extracting(ChatMessage::getChatSeq)
                    .containsExactly(3L, 4L, 5L);
            assertThat(text(grace, middle.getMessages(0))).isEqualTo("f3");
            HistoryResponse oldest = history(grace, withFrank, middle.getNextBeforeSeq(), 3);
            assertThat(oldest.getMessagesList())
                    .extracting(ChatMessage::getChatSeq)
                    .containsExactly(1L, 2L);
            assertThat(oldest.getNextBeforeSeq()).isZero();

            history(grace, withFrank, 0, 0); // the fifth History call within a minute
            assertThatThrownBy(() -> history(grace, withFrank, 0, 0))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(e.getStatus().getDescription()).isEqualTo("Rate limit reached (5 per 60s)");
                    });
        }
    }

    private static HistoryResponse history(WireSession as, ChatRef chat, long beforeSeq, int limit) {
        return as.stub()
                .history(HistoryRequest.newBuilder()
                        .setChat(chat)
                        .setBeforeSeq(beforeSeq)
                        .setLimit(limit)
                        .build());
    }

    @Test
    void resendsAndRefusalsToEncryptAgainDoNotUseUpTheSendLimit() {
        try (WireSession leo = login("leo");
                WireSession mia = login("mia");
                WireSession nina = login("nina")) {
            Chats.open(mia, leo);
            SendRequest once = mia.message(ChatIds.toUser("leo"), "once", "leo");
            assertThat(mia.send(once).getDuplicate()).isFalse();
            for (int i = 0; i < 5; i++) {
                assertThat(mia.send(once).getDuplicate()).isTrue();
            }
            // Sealed for the wrong members of crew (nina is missing): the server asks to encrypt again.
            for (int i = 0; i < 3; i++) {
                assertStatus(
                        () -> mia.send(mia.message(ChatIds.toGroup("crew"), "stale", "leo")),
                        Status.Code.FAILED_PRECONDITION,
                        "encrypt for");
            }
            for (int i = 2; i <= 5; i++) {
                assertThat(mia.sendTo("leo", "message " + i).getDuplicate()).isFalse();
            }
            assertStatus(() -> mia.sendTo("leo", "sixth"), Status.Code.RESOURCE_EXHAUSTED, "Rate limit reached");
            assertThat(nina.user()).isEqualTo("nina"); // logged in, so crew's readers include nina
        }
    }

    @Test
    void theWholeSealedMessageIsBoundedAndBytesThatAreNoRequestAreInvalid() {
        try (WireSession nina = login("nina");
                WireSession oscar = login("oscar")) {
            Chats.open(nina, oscar);
            SendRequest ok = nina.message(ChatIds.toUser("oscar"), "hi", "oscar");
            SendRequest fatKeys = ok.toBuilder()
                    .setSealed(ok.getSealed().toBuilder()
                            .putCiphertexts(
                                    "oscar",
                                    Ciphertext.newBuilder()
                                            .setType(2)
                                            .setBody(ByteString.copyFrom(new byte[70_000]))
                                            .build()))
                    .build();
            assertStatus(() -> nina.send(fatKeys), Status.Code.INVALID_ARGUMENT, "the limit is 65536 bytes");

            byte[] garbage = {0x0a, 0x7f, 0x01};
            assertStatus(
                    () -> RawCalls.unary(nina.authorizedChannel(), SpartanGrpc.getSendMsgMethod(), garbage),
                    Status.Code.INVALID_ARGUMENT,
                    "not a valid spartan.v1.SendRequest message");
            assertThat(nina.send(ok).getChatSeq()).isEqualTo(1);
        }
    }
}
