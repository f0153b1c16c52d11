package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.Sealed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link MessageStore} must do, run against each implementation: the embedded one, and the Redis one
 * (whose send is a Lua script that writes protobuf bytes itself, so its output is compared with Java's encoding).
 */
abstract class MessageStoreContract {
    private static final String PAIR = PairState.pairKey("alice", "bob");
    private static final String DM = "dm:" + PAIR;

    abstract MessageStore store();

    private static ChatMessage message(String sender, String id, int bodyBytes) {
        return ChatMessage.newBuilder()
                .setMessageId(id)
                .setSender(sender)
                .setChat(ChatRef.newBuilder().setUser("bob"))
                .setSentAtMillis(1_764_000_000_000L)
                .setSealed(Sealed.newBuilder()
                        .setBody(ByteString.copyFrom(new byte[bodyBytes]))
                        .setSalt(ByteString.copyFrom(new byte[32]))
                        .putWrappedKeys("bob", ByteString.copyFromUtf8("wrapped")))
                .build();
    }

    private SaveResult send(ChatMessage m) {
        return store().save(new NewMessage(PAIR, DM, m, List.of("bob"), Guard.pair(PAIR, m.getSender()), 5));
    }

    private static ChatMessage withSeq(ChatMessage m, long seq) {
        return m.toBuilder().setChatSeq(seq).build();
    }

    private List<ChatMessage> inboxMessages(String user) {
        return store().eventsAfter(user, 0, 10_000).stream()
                .filter(Event::hasMessage)
                .map(Event::getMessage)
                .toList();
    }

    @Test
    void deliveredMessagesGetConsecutiveChatSeqsAndReachInboxAndHistoryExactlyAsJavaEncodesThem() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        List<ChatMessage> expected = new ArrayList<>();
        // 300 messages take chat_seq past the one-byte varint (127); 200-byte bodies make the length prefix two bytes.
        for (int i = 1; i <= 300; i++) {
            ChatMessage m = message("alice", "m" + i, i % 2 == 0 ? 200 : 20);
            SaveResult saved = send(m);
            assertThat(saved.outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
            assertThat(saved.chatSeq()).isEqualTo(i);
            assertThat(saved.inboxSeqs()).containsExactly((long) i); // bob's inbox seq, told to the sender's node
            expected.add(withSeq(m, i));
        }
        assertThat(inboxMessages("bob")).containsExactlyElementsOf(expected);
        assertThat(store().eventsAfter("bob", 0, 10_000))
                .extracting(Event::getSeq)
                .containsExactlyElementsOf(
                        java.util.stream.LongStream.rangeClosed(1, 300).boxed().toList());
        assertThat(store().history(DM)).containsExactlyElementsOf(expected.subList(295, 300));
        assertThat(inboxMessages("alice")).isEmpty();
    }

    @Test
    void aResentIdIsADuplicateThatStoresNothing() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        ChatMessage m = message("alice", "once", 10);
        assertThat(send(m).chatSeq()).isEqualTo(1);
        SaveResult again = send(m);
        assertThat(again.outcome()).isEqualTo(SaveResult.Outcome.DUPLICATE);
        assertThat(again.chatSeq()).isEqualTo(1);
        assertThat(inboxMessages("bob")).hasSize(1);
        assertThat(store().history(DM)).hasSize(1);
        // The same id from another sender is another message.
        assertThat(send(message("bob", "once", 10)).outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
    }

    @Test
    void aPendingRequestHoldsTheRequestersMessagesAndRefusesTheOtherSide() {
        store().setPairState(PAIR, PairState.pendingFrom("alice"));
        ChatMessage held = message("alice", "early", 150);
        SaveResult saved = send(held);
        assertThat(saved.outcome()).isEqualTo(SaveResult.Outcome.HELD);
        assertThat(store().held(PAIR)).containsExactly(withSeq(held, 1));
        assertThat(inboxMessages("bob")).isEmpty();

        SaveResult refused = send(message("bob", "no", 10));
        assertThat(refused.outcome()).isEqualTo(SaveResult.Outcome.REFUSED);
        assertThat(refused.refusedPairState()).isEqualTo(PairState.pendingFrom("alice"));
        assertThat(store().history(DM)).containsExactly(withSeq(held, 1));
    }

    @Test
    void noChatRefusesWithTheEmptyState() {
        SaveResult refused = send(message("alice", "m", 10));
        assertThat(refused.outcome()).isEqualTo(SaveResult.Outcome.REFUSED);
        assertThat(refused.refusedPairState()).isEqualTo(PairState.NONE);
        assertThat(store().history(DM)).isEmpty();
    }

    @Test
    void aGroupMessageIsRefusedOnceTheGroupChangedSinceItsMembersWereRead() {
        String chat = "group:team";
        long version = store().groupVersion("team");
        assertThat(version).isZero();
        NewMessage atVersion = new NewMessage(
                chat, chat, message("alice", "g1", 10), List.of("bob", "carol"), Guard.groupAt("team", version), 5);
        store().putGroup(Group.newBuilder()
                .setName("team")
                .addMembers("alice")
                .addMembers("bob")
                .build());
        assertThat(store().groupVersion("team")).isEqualTo(version + 1);
        assertThat(store().save(atVersion).outcome()).isEqualTo(SaveResult.Outcome.REFUSED);
        assertThat(inboxMessages("carol")).isEmpty();

        store().appendEvent(
                        "carol",
                        Event.newBuilder()
                                .setChatRequested(dev.spartan.proto.ChatRequested.newBuilder()
                                        .setFrom("dave"))
                                .build());
        NewMessage now = new NewMessage(
                chat,
                chat,
                message("alice", "g1", 10),
                List.of("bob", "carol"),
                Guard.groupAt("team", store().groupVersion("team")),
                5);
        SaveResult saved = store().save(now);
        assertThat(saved.outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
        assertThat(saved.inboxSeqs()).containsExactly(1L, 2L);
        assertThat(store().eventsAfter("carol", 1, 10))
                .extracting(Event::getSeq)
                .containsExactly(2L);
        assertThat(inboxMessages("bob")).hasSize(1);
        assertThat(inboxMessages("carol")).hasSize(1);
        store().deleteGroup("team");
        assertThat(store().groupVersion("team")).isEqualTo(version + 2);
    }

    @Test
    void aSendWaitsForACompoundChangeRunningUnderItsLock() throws Exception {
        store().setPairState(PAIR, PairState.pendingFrom("alice"));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> answer = CompletableFuture.runAsync(() -> store().atomically(PAIR, () -> {
            entered.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> release.getCount() == 0);
            store().setPairState(PAIR, PairState.ACCEPTED);
            return null;
        }));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<SaveResult> sent = CompletableFuture.supplyAsync(() -> send(message("alice", "mid", 10)));
        // Had the send not waited, it would have seen the pending state and been held.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !sent.isDone());
        release.countDown();
        answer.get(10, TimeUnit.SECONDS);
        assertThat(sent.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
        assertThat(store().held(PAIR)).isEmpty();
    }

    @Test
    void pingAnswersWhileTheStoreCanServe() {
        store().ping(); // throws StoreUnavailableException otherwise
    }

    @Test
    void invitesLoginsAndDroppedKeysAreKept() {
        assertThat(store().invite("alice")).isEmpty();
        Invite invite = new Invite(new byte[] {1, 2, 3}, 1234L);
        store().putInvite("alice", invite);
        assertThat(store().invite("alice")).contains(invite);
        Invite newer = new Invite(new byte[] {9}, 5678L);
        store().putInvite("alice", newer);
        assertThat(store().invite("alice")).contains(newer);
        store().deleteInvite("alice");
        assertThat(store().invite("alice")).isEmpty();

        assertThat(store().lastLogin("bob")).isEmpty();
        store().recordLogin("bob", 42L);
        assertThat(store().lastLogin("bob")).hasValue(42L);

        PublicKeys keys = PublicKeys.newBuilder()
                .setSigningKey(ByteString.copyFrom(new byte[32]))
                .setAgreementKey(ByteString.copyFrom(new byte[32]))
                .build();
        store().pinKeys("bob", keys);
        store().dropKeys("bob");
        assertThat(store().keys("bob")).isEmpty();
        PublicKeys other = keys.toBuilder()
                .setSigningKey(ByteString.copyFrom(new byte[] {7}))
                .build();
        assertThat(store().pinKeys("bob", other)).isEqualTo(other);
    }
}
