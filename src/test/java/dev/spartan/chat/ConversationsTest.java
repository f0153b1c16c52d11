package dev.spartan.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.Limits;
import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.ChatIds;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatState;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.PairState;
import dev.spartan.testing.Members;
import dev.spartan.testing.WireSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The conversation rules against the real store, cache and hub; sealed content is dummy bytes of the right shape. */
class ConversationsTest {
    private final Members signers = new Members();

    SpartanConfig config;
    EmbeddedStore store;
    RecentMessages recent;
    Conversations conversations;
    Clock clock;

    @BeforeEach
    void setUp() {
        config = ConfigLoader.load(Path.of("config.yaml"));
        clock = Clock.systemUTC();
        store = EmbeddedStore.inMemory();
        recent = new RecentMessages(store, config.recentMessagesPerChat(), config.cachedConversations());
        conversations =
                new Conversations(config, new Directory(config, store, clock), store, recent, new DeliveryHub(), clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private static PublicKeys keys(int seed) {
        byte[] s = new byte[32];
        byte[] a = new byte[32];
        Arrays.fill(s, (byte) seed);
        Arrays.fill(a, (byte) (seed + 100));
        return PublicKeys.newBuilder()
                .setSigningKey(ByteString.copyFrom(s))
                .setAgreementKey(ByteString.copyFrom(a))
                .build();
    }

    private SendRequest request(String id, ChatRef to, String text, String... readers) {
        Sealed.Builder sealed = Sealed.newBuilder();
        for (String r : readers) {
            sealed.putCiphertexts(r, ciphertext(text));
        }
        return SendRequest.newBuilder()
                .setMessageId(id)
                .setTo(to)
                .setSealed(sealed)
                .build();
    }

    private static Ciphertext ciphertext(String body) {
        return Ciphertext.newBuilder()
                .setType(2)
                .setBody(ByteString.copyFrom(body, StandardCharsets.UTF_8))
                .build();
    }

    private SendAck dm(String from, String to, String text) {
        return conversations.send(from, request(UUID.randomUUID().toString(), ChatIds.toUser(to), text, to));
    }

    private List<ChatMessage> history(String me, ChatRef chat) {
        return conversations.history(me, chat, 0, 0).messages();
    }

    private List<Event> inbox(String user) {
        return store.eventsAfter(user, 0, 1000);
    }

    private static void assertRefused(ThrowingCallable call, Refusal.Kind kind, String fragment) {
        assertThatThrownBy(call).isInstanceOfSatisfying(Refusal.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.getMessage()).contains(fragment);
        });
    }

    private void acceptedChat(String a, String b) {
        conversations.request(a, b);
        assertThat(conversations.answer(b, a, true).getStatus()).isEqualTo(ChatState.Status.ACCEPTED);
    }

    @Test
    void requestIsPendingAndTheRequesteeIsTold() {
        store.pinKeys("bob", keys(2));
        ChatState state = conversations.request("alice", "bob");
        assertThat(state.getStatus()).isEqualTo(ChatState.Status.PENDING);
        assertThat(state.getPeer()).isEqualTo("bob");
        assertThat(state.getPeerKeys()).isEqualTo(keys(2));
        assertThat(store.pairState(PairState.pairKey("alice", "bob"))).isEqualTo(PairState.pendingFrom("alice"));
        assertThat(inbox("bob"))
                .singleElement()
                .satisfies(e -> assertThat(e.getChatRequested().getFrom()).isEqualTo("alice"));
        assertThat(inbox("alice")).isEmpty();
    }

    @Test
    void acceptReleasesHeldMessagesToTheAccepterInOrder() {
        store.pinKeys("bob", keys(2));
        conversations.request("alice", "bob");
        SendAck first = dm("alice", "bob", "one");
        dm("alice", "bob", "two");
        dm("alice", "bob", "three");
        assertThat(first.getHeld()).isTrue();
        assertThat(inbox("bob")).noneMatch(Event::hasMessage);

        ChatState state = conversations.answer("bob", "alice", true);

        assertThat(state.getStatus()).isEqualTo(ChatState.Status.ACCEPTED);
        assertThat(store.pairState(PairState.pairKey("alice", "bob"))).isEqualTo(PairState.ACCEPTED);
        assertThat(inbox("bob"))
                .filteredOn(Event::hasMessage)
                .extracting(e -> WireSession.opaqueText(e.getMessage()))
                .containsExactly("one", "two", "three");
        assertThat(inbox("bob"))
                .filteredOn(Event::hasMessage)
                .extracting(e -> e.getMessage().getSender())
                .containsOnly("alice");
        assertThat(inbox("alice")).singleElement().satisfies(e -> {
            assertThat(e.getChatAccepted().getBy()).isEqualTo("bob");
            assertThat(e.getChatAccepted().getKeys()).isEqualTo(keys(2));
        });
        assertThat(store.held(PairState.pairKey("alice", "bob"))).isEmpty();
        assertThat(dm("alice", "bob", "four").getHeld()).isFalse();
        assertThat(inbox("bob")).filteredOn(Event::hasMessage).hasSize(4);
    }

    @Test
    void declineResetsThePairAndTellsTheRequester() {
        conversations.request("alice", "bob");
        ChatState state = conversations.answer("bob", "alice", false);
        assertThat(state.getStatus()).isEqualTo(ChatState.Status.DECLINED);
        assertThat(store.pairState(PairState.pairKey("alice", "bob"))).isEqualTo(PairState.NONE);
        assertThat(inbox("alice"))
                .singleElement()
                .satisfies(e -> assertThat(e.getChatDeclined().getBy()).isEqualTo("bob"));
        assertRefused(() -> dm("alice", "bob", "still there?"), Refusal.Kind.PRECONDITION, "request one first");
    }

    @Test
    void answeringWithoutARequestIsRefused() {
        assertRefused(
                () -> conversations.answer("bob", "alice", true),
                Refusal.Kind.PRECONDITION,
                "alice has not asked to chat with you");
    }

    @Test
    void sendWithoutARequestIsAPreconditionFailure() {
        assertRefused(() -> dm("alice", "bob", "hi"), Refusal.Kind.PRECONDITION, "request one first");
        assertThat(inbox("bob")).isEmpty();
        assertThat(recent.get(ChatIds.direct("alice", "bob"))).isEmpty();
    }

    @Test
    void theRequesteeMustAcceptBeforeSending() {
        conversations.request("alice", "bob");
        assertRefused(() -> dm("bob", "alice", "hi"), Refusal.Kind.PRECONDITION, "accept first");
    }

    @Test
    void sendToSelfIsInvalid() {
        assertRefused(() -> dm("alice", "alice", "me"), Refusal.Kind.INVALID, "yourself");
        assertRefused(() -> conversations.request("alice", "alice"), Refusal.Kind.INVALID, "yourself");
    }

    @Test
    void unknownUserIsNotFound() {
        assertRefused(() -> dm("alice", "zed", "hi"), Refusal.Kind.NOT_FOUND, "there is no user 'zed'");
        assertRefused(() -> conversations.request("alice", "zed"), Refusal.Kind.NOT_FOUND, "there is no user 'zed'");
    }

    @Test
    void theLimitBoundsTheWholeSealedMessageEveryCiphertextIncluded() {
        acceptedChat("alice", "bob");
        int max = config.maxMessageBytes();
        assertRefused(() -> dm("alice", "bob", "x".repeat(max + 1)), Refusal.Kind.INVALID, "the limit is " + max);

        SendRequest small = request("id-keys", ChatIds.toUser("bob"), "hi", "bob");
        SendRequest fatKeys = small.toBuilder()
                .setSealed(small.getSealed().toBuilder().putCiphertexts("eve", ciphertext("x".repeat(max))))
                .build();
        assertRefused(() -> conversations.send("alice", fatKeys), Refusal.Kind.INVALID, "the limit is " + max);
        assertThat(inbox("bob")).noneMatch(Event::hasMessage);

        int body = max;
        while (request("x", ChatIds.toUser("bob"), "x".repeat(body), "bob")
                        .getSealed()
                        .getSerializedSize()
                > max) {
            body--;
        }
        assertThat(dm("alice", "bob", "x".repeat(body)).getChatSeq()).isEqualTo(1);
    }

    @Test
    void malformedSealedContentIsInvalid() {
        acceptedChat("alice", "bob");
        SendRequest ok = request("id-1", ChatIds.toUser("bob"), "hi", "bob");
        SendRequest unknownType = ok.toBuilder()
                .setSealed(ok.getSealed().toBuilder()
                        .putCiphertexts(
                                "bob", ciphertext("hi").toBuilder().setType(1).build()))
                .build();
        assertRefused(() -> conversations.send("alice", unknownType), Refusal.Kind.INVALID, "has type 1");
        SendRequest empty = ok.toBuilder()
                .setSealed(ok.getSealed().toBuilder().putCiphertexts("bob", ciphertext("")))
                .build();
        assertRefused(() -> conversations.send("alice", empty), Refusal.Kind.INVALID, "is empty");
        SendRequest senderReads = request("id-3", ChatIds.toUser("bob"), "hi", "alice", "bob");
        assertRefused(() -> conversations.send("alice", senderReads), Refusal.Kind.INVALID, "not for the sender");
        SendRequest extraReader = request("id-2", ChatIds.toUser("bob"), "hi", "bob", "eve");
        assertRefused(() -> conversations.send("alice", extraReader), Refusal.Kind.INVALID, "one ciphertext");
        SendRequest badId = request("not a uuid!", ChatIds.toUser("bob"), "hi", "bob");
        assertRefused(() -> conversations.send("alice", badId), Refusal.Kind.INVALID, "message_id");
    }

    @Test
    void duplicateMessageIdIsAcknowledgedButStoredOnce() {
        acceptedChat("alice", "bob");
        SendRequest req = request("dup-1", ChatIds.toUser("bob"), "once", "bob");
        SendAck first = conversations.send("alice", req);
        SendAck again = conversations.send("alice", req);
        assertThat(first.getDuplicate()).isFalse();
        assertThat(again.getDuplicate()).isTrue();
        assertThat(again.getChatSeq()).isEqualTo(first.getChatSeq());
        assertThat(inbox("bob")).filteredOn(Event::hasMessage).hasSize(1);
        assertThat(recent.get(ChatIds.direct("alice", "bob")))
                .extracting(WireSession::opaqueText)
                .containsExactly("once");
        assertThat(store.history(ChatIds.direct("alice", "bob"), 0, 100)).hasSize(1);
        assertThat(dm("alice", "bob", "next").getChatSeq()).isEqualTo(first.getChatSeq() + 1);
    }

    @Test
    void chatSeqCountsPerConversationFromOne() {
        acceptedChat("alice", "bob");
        acceptedChat("alice", "charlie");
        assertThat(dm("alice", "bob", "a").getChatSeq()).isEqualTo(1);
        assertThat(dm("bob", "alice", "b").getChatSeq()).isEqualTo(2);
        assertThat(dm("alice", "charlie", "c").getChatSeq()).isEqualTo(1);
        assertThat(dm("alice", "bob", "d").getChatSeq()).isEqualTo(3);
        assertThat(dm("charlie", "alice", "e").getChatSeq()).isEqualTo(2);
        assertThat(inbox("bob"))
                .filteredOn(Event::hasMessage)
                .extracting(e -> e.getMessage().getChatSeq())
                .containsExactly(1L, 3L);
    }

    @Test
    void historyKeepsTheLastFivePerConversation() {
        acceptedChat("alice", "bob");
        for (int i = 1; i <= 7; i++) {
            dm(i % 2 == 1 ? "alice" : "bob", i % 2 == 1 ? "bob" : "alice", "m" + i);
        }
        assertThat(recent.get(ChatIds.direct("alice", "bob")))
                .extracting(WireSession::opaqueText)
                .containsExactly("m3", "m4", "m5", "m6", "m7");
        // alice sent m7 and has not acked m6 from bob: history leaves m6 out because it is still on its way to her.
        assertThat(history("alice", ChatIds.toUser("bob")))
                .extracting(WireSession::opaqueText)
                .containsExactly("m3", "m5", "m7");
        assertThat(store.ack("alice", store.lastSeq("alice"))).isTrue();
        assertThat(history("alice", ChatIds.toUser("bob")))
                .extracting(WireSession::opaqueText)
                .containsExactly("m3", "m4", "m5", "m6", "m7");
    }

    @Test
    void groupSendByANonMemberIsDenied() {
        ChatRef group1 = ChatIds.toGroup("group1");
        assertRefused(
                () -> conversations.send("foo", request("g-1", group1, "sneaky", "alice", "bob", "charlie", "eve")),
                Refusal.Kind.DENIED,
                "you are not a member of group1");
        assertThat(inbox("alice")).isEmpty();
        assertRefused(
                () -> conversations.send("alice", request("g-2", ChatIds.toGroup("nogroup"), "x", "alice")),
                Refusal.Kind.NOT_FOUND,
                "there is no group 'nogroup'");
    }

    @Test
    void groupSendReachesEveryOtherMember() {
        for (String u : List.of("alice", "bob", "charlie", "eve")) {
            store.pinKeys(u, keys(u.length()));
        }
        SendAck ack = conversations.send(
                "alice", request("g-1", ChatIds.toGroup("group1"), "hello all", "bob", "charlie", "eve"));
        assertThat(ack.getChatSeq()).isEqualTo(1);
        for (String u : List.of("bob", "charlie", "eve")) {
            assertThat(inbox(u)).singleElement().satisfies(e -> {
                assertThat(e.getMessage().getSender()).isEqualTo("alice");
                assertThat(e.getMessage().getChat().getGroup()).isEqualTo("group1");
            });
        }
        assertThat(inbox("alice")).isEmpty();
        assertThat(conversations
                        .send("bob", request("g-2", ChatIds.toGroup("group1"), "hi", "alice", "charlie", "eve"))
                        .getChatSeq())
                .isEqualTo(2);
    }

    @Test
    void groupMessageForTheWrongMembershipIsRefused() {
        for (String u : List.of("alice", "bob", "charlie", "eve")) {
            store.pinKeys(u, keys(u.length()));
        }
        assertRefused(
                () -> conversations.send("alice", request("g-1", ChatIds.toGroup("group1"), "hi", "bob", "foo")),
                Refusal.Kind.PRECONDITION,
                "encrypt for");
        assertThatThrownBy(() ->
                        conversations.send("alice", request("g-2", ChatIds.toGroup("group1"), "hi", "bob", "foo")))
                .isInstanceOfSatisfying(
                        Refusal.class,
                        e -> assertThat(e.counted())
                                .as("the protocol's own recovery is not counted against the rate limit")
                                .isFalse());
    }

    /** A sender-key group message: one ciphertext for all, a carrier for {@code carried}, the others named holders. */
    private static SendRequest senderKeyRequest(String id, List<String> carried, List<String> holders, int carrier) {
        Sealed.Builder sealed = Sealed.newBuilder()
                .setSenderKey(ByteString.copyFromUtf8("one ciphertext for every reader"))
                .addAllKeyHolders(holders);
        carried.forEach(r -> sealed.putCiphertexts(
                r,
                Ciphertext.newBuilder()
                        .setType(3)
                        .setBody(ByteString.copyFrom(new byte[carrier]))
                        .build()));
        return SendRequest.newBuilder()
                .setMessageId(id)
                .setTo(ChatIds.toGroup("group1"))
                .setSealed(sealed)
                .build();
    }

    /**
     * PROTOCOL.md, "Groups": a sender-key message names each reader device once across its carriers and key holders;
     * the server stores the one ciphertext and the carriers, never the holders, and each reader gets the ciphertext
     * and its own carrier only.
     */
    @Test
    void aSenderKeyMessageIsCheckedOverCarriersAndHoldersAndStoredOnce() {
        for (String u : List.of("alice", "bob", "charlie", "eve")) {
            store.pinKeys(u, keys(u.length()));
        }
        SendAck ack =
                conversations.send("alice", senderKeyRequest("sk-1", List.of("bob"), List.of("charlie", "eve"), 2048));
        assertThat(ack.getChatSeq()).isEqualTo(1);
        ChatMessage stored = inbox("bob").get(0).getMessage();
        assertThat(stored.getSealed().getKeyHoldersList())
                .as("checked, never stored")
                .isEmpty();
        assertThat(stored.getSealed().getSenderKey().toStringUtf8()).isEqualTo("one ciphertext for every reader");
        assertThat(ReaderCopy.of(stored, "bob").getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
        for (String holder : List.of("charlie", "eve")) {
            ChatMessage copy = ReaderCopy.of(inbox(holder).get(0).getMessage(), holder);
            assertThat(copy.getSealed().getCiphertextsMap()).as(holder).isEmpty();
            assertThat(copy.getSealed().getSenderKey())
                    .isEqualTo(stored.getSealed().getSenderKey());
        }
        assertThat(history("alice", ChatIds.toGroup("group1")))
                .singleElement()
                .satisfies(m -> assertThat(m.getSealed().getKeyHoldersList()).isEmpty());

        assertRefused(
                () -> conversations.send("alice", senderKeyRequest("sk-2", List.of("bob"), List.of("charlie"), 10)),
                Refusal.Kind.PRECONDITION,
                "the members of group1 changed: encrypt for bob,charlie,eve");
        assertRefused(
                () -> conversations.send(
                        "alice", senderKeyRequest("sk-3", List.of("bob"), List.of("bob", "charlie", "eve"), 10)),
                Refusal.Kind.INVALID,
                "names bob twice");
        assertRefused(
                () -> conversations.send(
                        "alice", senderKeyRequest("sk-4", List.of("bob"), List.of("charlie", "eve"), 2049)),
                Refusal.Kind.INVALID,
                "the key carrier for bob is 2049 bytes; a carrier (the pairwise ciphertext of a sender-key message)"
                        + " is at most 2048 bytes");
        SendRequest oneToOne = senderKeyRequest("sk-5", List.of("bob"), List.of(), 10).toBuilder()
                .setTo(ChatIds.toUser("bob"))
                .build();
        assertRefused(() -> conversations.send("alice", oneToOne), Refusal.Kind.INVALID, "sender keys are for group");
        SendRequest holdersOnly = request("sk-6", ChatIds.toGroup("group1"), "x", "bob").toBuilder()
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts("bob", ciphertext("x"))
                        .addKeyHolders("charlie")
                        .addKeyHolders("eve"))
                .build();
        assertRefused(() -> conversations.send("alice", holdersOnly), Refusal.Kind.INVALID, "key_holders is set");
        SendRequest tooBig = senderKeyRequest("sk-7", List.of(), List.of("bob", "charlie", "eve"), 0).toBuilder()
                .setSealed(Sealed.newBuilder()
                        .setSenderKey(ByteString.copyFrom(new byte[config.maxMessageBytes() + 1]))
                        .addAllKeyHolders(List.of("bob", "charlie", "eve")))
                .build();
        assertRefused(
                () -> conversations.send("alice", tooBig), Refusal.Kind.INVALID, "(its sender_key); the limit is");
        assertThat(inbox("bob")).hasSize(1);
    }

    /**
     * A client can only seal for members whose keys the server has (those who have logged in at least once): a
     * group with a member who never logged in must still be usable, and that member gets nothing it cannot read.
     */
    @Test
    void groupSendWorksWhileAMemberHasNeverLoggedIn() {
        for (String u : List.of("alice", "bob", "charlie")) {
            store.pinKeys(u, keys(u.length()));
        }
        SendAck ack = conversations.send(
                "alice", request("g-1", ChatIds.toGroup("group1"), "eve is not here yet", "bob", "charlie"));
        assertThat(ack.getChatSeq()).isEqualTo(1);
        assertThat(inbox("bob")).hasSize(1);
        assertThat(inbox("charlie")).hasSize(1);
        assertThat(inbox("eve")).isEmpty();
    }

    @Test
    void aPendingChatHoldsAtMostItsLimitAndThenRefusesAsExhausted() {
        conversations.request("alice", "bob");
        for (int i = 0; i < config.limits().heldMessages(); i++) {
            assertThat(dm("alice", "bob", "waiting " + i).getHeld()).isTrue();
        }
        assertRefused(
                () -> dm("alice", "bob", "one too many"),
                Refusal.Kind.EXHAUSTED,
                "bob has not accepted your chat request yet");
        assertThat(store.held(PairState.pairKey("alice", "bob")))
                .hasSize(config.limits().heldMessages());
    }

    @Test
    void aDeclineDropsTheHeldMessagesFromHoldAndHistoryAndNamesThemToTheSender() {
        conversations.request("alice", "bob");
        String first = dm("alice", "bob", "one").getMessageId();
        String second = dm("alice", "bob", "two").getMessageId();
        assertThat(history("alice", ChatIds.toUser("bob"))).hasSize(2);
        conversations.answer("bob", "alice", false);
        assertThat(inbox("alice"))
                .singleElement()
                .satisfies(e -> assertThat(e.getChatDeclined().getDroppedMessageIdsList())
                        .containsExactly(first, second));
        assertThat(store.held(PairState.pairKey("alice", "bob"))).isEmpty();
        assertThat(recent.get(ChatIds.direct("alice", "bob"))).isEmpty();

        // Accepted later, the chat has none of the dropped messages, for either side.
        acceptedChat("alice", "bob");
        dm("alice", "bob", "three");
        assertThat(store.ack("bob", store.lastSeq("bob"))).isTrue();
        assertThat(history("bob", ChatIds.toUser("alice")))
                .extracting(WireSession::opaqueText)
                .containsExactly("three");
        assertThat(history("alice", ChatIds.toUser("bob")))
                .extracting(WireSession::opaqueText)
                .containsExactly("three");
    }

    @Test
    void historyPagesBackByChatSeqWithinThePageBound() {
        acceptedChat("alice", "bob");
        for (int i = 1; i <= 12; i++) {
            dm("alice", "bob", "m" + i);
        }
        Conversations.HistoryPage newest = conversations.history("alice", ChatIds.toUser("bob"), 0, 4);
        assertThat(newest.messages()).extracting(WireSession::opaqueText).containsExactly("m9", "m10", "m11", "m12");
        assertThat(newest.nextBeforeSeq()).isEqualTo(9);
        Conversations.HistoryPage older =
                conversations.history("alice", ChatIds.toUser("bob"), newest.nextBeforeSeq(), 10_000);
        assertThat(older.messages()).hasSize(8); // everything older: fewer than limits.history_page
        assertThat(older.nextBeforeSeq()).isZero();
        // bob has acknowledged nothing: alice's messages are still on their way to him, not history.
        assertThat(conversations.history("bob", ChatIds.toUser("alice"), 0, 4).messages())
                .isEmpty();
        assertRefused(
                () -> conversations.history("alice", ChatIds.toUser("bob"), -1, 4), Refusal.Kind.INVALID, "before_seq");
    }

    @Test
    void aGroupMadeAgainUnderTheSameNameIsANewConversation() {
        for (String u : List.of("alice", "bob")) {
            store.pinKeys(u, signers.withIdentity(u, keys(u.length())));
        }
        Directory directory = new Directory(config, store, clock);
        GroupAdmin groups = new GroupAdmin(directory, store, new DeliveryHub(), config.limits(), clock);
        store.setPairState(PairState.pairKey("alice", "bob"), PairState.ACCEPTED);
        groups.create("alice", "team", List.of("bob"), signers.create("alice", "team", List.of("bob")));
        conversations.send("alice", request("t-1", ChatIds.toGroup("team"), "first life", "bob"));
        assertThat(history("alice", ChatIds.toGroup("team"))).hasSize(1);
        groups.leave("bob", "team", signers.leave("bob", directory.group("team").orElseThrow()));
        groups.leave(
                "alice", "team", signers.leave("alice", directory.group("team").orElseThrow()));
        groups.create("alice", "team", List.of("bob"), signers.create("alice", "team", List.of("bob")));
        assertThat(history("alice", ChatIds.toGroup("team"))).isEmpty();
        assertThat(conversations
                        .send("alice", request("t-2", ChatIds.toGroup("team"), "second life", "bob"))
                        .getChatSeq())
                .isEqualTo(1);
    }

    @Test
    void groupsAreCappedInSizeAndPerUser() {
        Limits small = new Limits(100, 1 << 20, 100, 50, 60, 1, 3, 10, 20, 72, Limits.DEVICES_PER_USER);
        for (String u : List.of("alice", "charlie")) {
            store.pinKeys(u, signers.withIdentity(u, keys(u.length())));
        }
        GroupAdmin groups = new GroupAdmin(new Directory(config, store, clock), store, new DeliveryHub(), small, clock);
        for (String peer : List.of("alice", "charlie")) {
            store.setPairState(PairState.pairKey(peer, "bob"), PairState.ACCEPTED);
        }
        store.setPairState(PairState.pairKey("alice", "charlie"), PairState.ACCEPTED);
        assertRefused(
                () -> groups.create(
                        "alice",
                        "big",
                        List.of("bob", "charlie", "eve"),
                        signers.create("alice", "big", List.of("bob", "charlie", "eve"))),
                Refusal.Kind.INVALID,
                "at most 3 members");
        groups.create("alice", "one", List.of("bob"), signers.create("alice", "one", List.of("bob")));
        assertRefused(
                () -> groups.create(
                        "alice", "two", List.of("charlie"), signers.create("alice", "two", List.of("charlie"))),
                Refusal.Kind.EXHAUSTED,
                "you are already in as many groups as one user can be in (1)");
        assertRefused(
                () -> groups.create(
                        "charlie", "three", List.of("bob"), signers.create("charlie", "three", List.of("bob"))),
                Refusal.Kind.EXHAUSTED,
                "bob is already in as many groups as one user can be in (1)");
        assertRefused(
                () -> groups.create("charlie", "one", List.of("eve"), signers.create("charlie", "one", List.of("eve"))),
                Refusal.Kind.EXISTS,
                "already exists");
    }

    @Test
    void anAckMayNotGoBeyondTheInboxOrCountAnotherStore() {
        Inbox inbox = new Inbox(store);
        conversations.request("alice", "bob");
        assertRefused(() -> inbox.ack("bob", 2, ""), Refusal.Kind.INVALID, "the last one is 1");
        assertRefused(() -> inbox.ack("bob", -1, ""), Refusal.Kind.INVALID, "18446744073709551615");
        assertRefused(() -> inbox.ack("bob", 1, "another-epoch"), Refusal.Kind.PRECONDITION, "another store");
        assertThat(inbox("bob")).hasSize(1);
        inbox.ack("bob", 1, store.epoch());
        assertThat(inbox("bob")).isEmpty();

        assertThat(inbox.resumeAfter("bob", 1, store.epoch())).isEqualTo(1);
        assertThat(inbox.resumeAfter("bob", 1, "another-epoch")).isZero();
        assertThat(inbox.resumeAfter("bob", 50, ""))
                .as("a position this inbox never gave out")
                .isZero();
    }
}
