package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.spartan.proto.ChatAccepted;
import dev.spartan.proto.ChatDeclined;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequested;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupChanged;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.proto.SignedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * What every {@link MessageStore} must do, run against each implementation: the embedded one, and the Redis one
 * (whose send is a Lua script that stores the records Java encoded, with the sequence numbers beside them, so what
 * comes back is compared with what Java would build).
 */
abstract class MessageStoreContract {
    private static final String PAIR = PairState.pairKey("alice", "bob");
    private static final String DM = "dm:" + PAIR;

    abstract MessageStore store();

    /** Every record of the store as text, to look for a name anywhere in it. */
    abstract String dump();

    private static final long T0 = 1_764_000_000_000L;
    private static final long DAY = 86_400_000L;

    /** A message from {@code from} to {@code to} whose only names are those two. */
    private static ChatMessage between(String from, String to, String id, long sentAt) {
        return ChatMessage.newBuilder()
                .setMessageId(id)
                .setSender(from)
                .setChat(ChatRef.newBuilder().setUser(to))
                .setSentAtMillis(sentAt)
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts(
                                to,
                                Ciphertext.newBuilder()
                                        .setType(2)
                                        .setBody(ByteString.copyFromUtf8("x"))
                                        .build()))
                .build();
    }

    private SaveResult deliver(ChatMessage m) {
        String to = m.getChat().getUser();
        String pair = PairState.pairKey(m.getSender(), to);
        return store().save(new NewMessage(
                pair, "dm:" + pair, m, List.of(to), Guard.pair(pair, m.getSender()), 100, HoldLimit.NONE));
    }

    @Test
    void aSweepDeletesWhatPassedItsCutoffOnceAndNamesTheSendersOfWhatWasNeverDelivered() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        deliver(between("alice", "bob", "old", T0));
        deliver(between("alice", "bob", "new", T0 + 10 * DAY));
        String waiting = PairState.pairKey("carol", "dave");
        store().setPairState(waiting, PairState.pendingFrom("carol"));
        assertThat(deliver(between("carol", "dave", "asked", T0)).outcome()).isEqualTo(SaveResult.Outcome.HELD);

        List<Expired> expired = store().sweep(new Cutoffs(T0 + DAY, T0 + DAY, 0));
        assertThat(expired)
                .containsExactlyInAnyOrder(
                        new Expired("alice", ChatRef.newBuilder().setUser("bob").build(), List.of("old")),
                        new Expired(
                                "carol", ChatRef.newBuilder().setUser("dave").build(), List.of("asked")));
        assertThat(inboxMessages("bob")).extracting(ChatMessage::getMessageId).containsExactly("new");
        assertThat(store().held(waiting)).isEmpty();
        assertThat(store().history("dm:" + waiting, 0, 10)).isEmpty();
        assertThat(store().sweep(new Cutoffs(T0 + DAY, T0 + DAY, 0))).isEmpty(); // nothing expires twice

        store().sweep(new Cutoffs(0, 0, T0 + DAY));
        assertThat(store().history(DM, 0, 10))
                .extracting(ChatMessage::getMessageId)
                .containsExactly("new");
    }

    /** Issue 26: a delete for everyone and a disappearing timer take every copy, and no sender is told. */
    @Test
    void aSweepDropsDeletedAndTimedOutMessagesEverywhereWithoutTellingTheirSenders() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        deliver(between("alice", "bob", "keep", T0));
        deliver(between("alice", "bob", "gone", T0));
        deliver(between("bob", "alice", "gone", T0)); // the same id from another sender stays
        deliver(between("alice", "bob", "timed", T0).toBuilder()
                .setExpiresAtMillis(T0 + 5_000)
                .build());
        String waiting = PairState.pairKey("carol", "dave");
        store().setPairState(waiting, PairState.pendingFrom("carol"));
        deliver(between("carol", "dave", "held", T0).toBuilder()
                .setExpiresAtMillis(T0 + 5_000)
                .build());

        assertThat(store().sweep(Cutoffs.deleting("alice", List.of("gone")))).isEmpty();
        assertThat(inboxMessages("bob")).extracting(ChatMessage::getMessageId).containsExactly("keep", "timed");
        assertThat(inboxMessages("alice")).extracting(ChatMessage::getMessageId).containsExactly("gone");
        assertThat(store().history(DM, 0, 10))
                .extracting(m -> m.getSender() + ":" + m.getMessageId())
                .containsExactly("alice:keep", "bob:gone", "alice:timed");

        assertThat(store().sweep(new Cutoffs(0, 0, 0, T0 + 4_999, java.util.Set.of())))
                .isEmpty();
        assertThat(inboxMessages("bob")).extracting(ChatMessage::getMessageId).contains("timed");
        assertThat(store().sweep(new Cutoffs(0, 0, 0, T0 + 5_000, java.util.Set.of())))
                .isEmpty();
        assertThat(inboxMessages("bob")).extracting(ChatMessage::getMessageId).containsExactly("keep");
        assertThat(store().history(DM, 0, 10))
                .extracting(ChatMessage::getMessageId)
                .containsExactly("keep", "gone");
        assertThat(store().held(waiting)).isEmpty();
        assertThat(store().history("dm:" + waiting, 0, 10)).isEmpty();
    }

    @Test
    void aPurgeLeavesNoRecordOfTheUserAndKeepsEveryoneElses() {
        store().pinKeys(
                        "alice",
                        PublicKeys.newBuilder()
                                .setSigningKey(ByteString.copyFrom(new byte[32]))
                                .build());
        store().putSignedPreKeys(
                        "alice",
                        7,
                        SignedPreKey.newBuilder().setId(1).build(),
                        SignedPreKey.newBuilder().setId(1).build());
        store().addOneTimePreKeys(
                        "alice", List.of(OneTimePreKey.newBuilder().setId(1).build()), 10);
        store().recordLogin("alice", T0);
        store().putInvite("alice", new Invite(new byte[32], T0 + DAY));
        store().setPairState(PAIR, PairState.ACCEPTED);
        deliver(between("alice", "bob", "a1", T0));
        deliver(between("bob", "alice", "b1", T0));
        store().ack("bob", store().lastSeq("bob"));
        String asked = PairState.pairKey("alice", "carol");
        store().setPairState(asked, PairState.pendingFrom("alice"));
        deliver(between("alice", "carol", "a2", T0));
        store().appendEvent("carol", requested("alice"));
        store().putGroup("team", List.of("alice", "bob", "carol"));
        String other = PairState.pairKey("bob", "carol");
        store().setPairState(other, PairState.ACCEPTED);
        deliver(between("carol", "bob", "c1", T0));

        store().purge("alice");

        assertThat(dump()).doesNotContain("alice").contains("c1");
        assertThat(inboxMessages("bob")).extracting(ChatMessage::getMessageId).containsExactly("c1");
        assertThat(store().keys("alice")).isEmpty();
        assertThat(store().pairState(other)).isEqualTo(PairState.ACCEPTED);
    }

    private static ChatMessage message(String sender, String id, int bodyBytes) {
        return ChatMessage.newBuilder()
                .setMessageId(id)
                .setSender(sender)
                .setChat(ChatRef.newBuilder().setUser(sender.equals("bob") ? "alice" : "bob"))
                .setSentAtMillis(1_764_000_000_000L)
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts(
                                sender.equals("bob") ? "alice" : "bob",
                                Ciphertext.newBuilder()
                                        .setType(3)
                                        .setBody(ByteString.copyFrom(new byte[bodyBytes]))
                                        .build())
                        .addUnreadable("carol"))
                .build();
    }

    private SaveResult send(ChatMessage m) {
        return send(m, HoldLimit.NONE);
    }

    private SaveResult send(ChatMessage m, HoldLimit limit) {
        String to = m.getSender().equals("bob") ? "alice" : "bob";
        return store().save(new NewMessage(PAIR, DM, m, List.of(to), Guard.pair(PAIR, m.getSender()), 5, limit));
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

    private static Event requested(String from) {
        return Event.newBuilder()
                .setChatRequested(ChatRequested.newBuilder().setFrom(from))
                .build();
    }

    @Test
    void deliveredMessagesGetConsecutiveChatSeqsAndComeBackExactlyAsSaved() {
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
                        LongStream.rangeClosed(1, 300).boxed().toList());
        assertThat(store().history(DM, 0, 100)).containsExactlyElementsOf(expected.subList(295, 300));
        assertThat(inboxMessages("alice")).isEmpty();
        assertThat(store().lastSeq("bob")).isEqualTo(300);
        assertThat(store().lastSeq("alice")).isZero();
    }

    @Test
    void everyKindOfEventComesBackAsItWasAppended() {
        PublicKeys keys = PublicKeys.newBuilder()
                .setSigningKey(ByteString.copyFrom(new byte[] {1, 2}))
                .setAgreementKey(ByteString.copyFrom(new byte[] {3}))
                .build();
        List<Event> events = List.of(
                requested("carol"),
                Event.newBuilder()
                        .setChatAccepted(
                                ChatAccepted.newBuilder().setBy("carol").setKeys(keys))
                        .build(),
                Event.newBuilder()
                        .setChatDeclined(ChatDeclined.newBuilder().setBy("dave").addDroppedMessageIds("m1"))
                        .build(),
                Event.newBuilder()
                        .setGroupChanged(GroupChanged.newBuilder()
                                .setGroup(Group.newBuilder()
                                        .setName("team")
                                        .addMembers("alice")
                                        .addMembers("carol"))
                                .setRemoved(true))
                        .build());
        for (int i = 0; i < events.size(); i++) {
            assertThat(store().appendEvent("alice", events.get(i))).isEqualTo(i + 1);
        }
        List<Event> back = store().eventsAfter("alice", 0, 100);
        for (int i = 0; i < events.size(); i++) {
            assertThat(back.get(i))
                    .isEqualTo(events.get(i).toBuilder().setSeq(i + 1).build());
        }
        assertThatThrownBy(() -> store().appendEvent(
                                "alice",
                                Event.newBuilder()
                                        .setMessage(message("bob", "x", 1))
                                        .build()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void savesSentWithoutWaitingAreStoredInCallOrderAndDedupedAndAllComplete() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        List<CompletableFuture<SaveResult>> pending = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            pending.add(saveAsync(message("alice", "a" + i, 10)));
        }
        pending.add(saveAsync(message("alice", "a7", 10))); // a resend while the first may not be durable yet
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .orTimeout(30, TimeUnit.SECONDS)
                .join();
        for (int i = 0; i < 200; i++) {
            SaveResult r = pending.get(i).join();
            assertThat(r.outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
            assertThat(r.chatSeq()).isEqualTo(i + 1);
        }
        SaveResult again = pending.get(200).join();
        assertThat(again.outcome()).isEqualTo(SaveResult.Outcome.DUPLICATE);
        assertThat(again.chatSeq()).isEqualTo(8);
        assertThat(inboxMessages("bob"))
                .extracting(ChatMessage::getMessageId)
                .containsExactlyElementsOf(
                        LongStream.range(0, 200).mapToObj(i -> "a" + i).toList());
    }

    @Test
    void aSaveSentWithoutWaitingIsRefusedLikeAWaitingOne() {
        assertThat(saveAsync(message("alice", "nochat", 10)).join().outcome()).isEqualTo(SaveResult.Outcome.REFUSED);
        assertThat(inboxMessages("bob")).isEmpty();
    }

    CompletableFuture<SaveResult> saveAsync(ChatMessage m) {
        String to = m.getSender().equals("bob") ? "alice" : "bob";
        return store().saveAsync(
                        new NewMessage(PAIR, DM, m, List.of(to), Guard.pair(PAIR, m.getSender()), 5, HoldLimit.NONE));
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
        assertThat(store().history(DM, 0, 100)).hasSize(1);
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
        assertThat(store().history(DM, 0, 100)).containsExactly(withSeq(held, 1));
    }

    @Test
    void aPendingChatHoldsAtMostItsLimitInMessagesAndInBytes() {
        store().setPairState(PAIR, PairState.pendingFrom("alice"));
        HoldLimit twoMessages = new HoldLimit(2, 1_000_000);
        assertThat(send(message("alice", "h1", 10), twoMessages).outcome()).isEqualTo(SaveResult.Outcome.HELD);
        assertThat(send(message("alice", "h2", 10), twoMessages).outcome()).isEqualTo(SaveResult.Outcome.HELD);
        SaveResult full = send(message("alice", "h3", 10), twoMessages);
        assertThat(full.outcome()).isEqualTo(SaveResult.Outcome.HOLD_FULL);
        // Nothing of the refused message is kept, and its id stays free for a later send.
        assertThat(store().held(PAIR)).extracting(ChatMessage::getMessageId).containsExactly("h1", "h2");
        assertThat(store().history(DM, 0, 100)).hasSize(2);

        long small = Records.storedMessage(message("alice", "h3", 10), DM).getSerializedSize();
        long big = Records.storedMessage(message("alice", "h3", 400), DM).getSerializedSize();
        HoldLimit fewBytes = new HoldLimit(100, 2 * small + big - 1); // room for one more small one, not a big one
        assertThat(send(message("alice", "h3", 400), fewBytes).outcome()).isEqualTo(SaveResult.Outcome.HOLD_FULL);
        assertThat(send(message("alice", "h3", 10), fewBytes).outcome()).isEqualTo(SaveResult.Outcome.HELD);
        assertThat(store().held(PAIR)).extracting(ChatMessage::getChatSeq).containsExactly(1L, 2L, 3L);

        // Once released, the hold is empty again and counts from zero.
        store().releaseHeld(PAIR, "bob");
        store().setPairState(PAIR, PairState.pendingFrom("alice"));
        assertThat(send(message("alice", "h4", 10), twoMessages).outcome()).isEqualTo(SaveResult.Outcome.HELD);
    }

    @Test
    void releasingMovesTheHeldMessagesIntoTheInboxInOrder() {
        store().setPairState(PAIR, PairState.pendingFrom("alice"));
        ChatMessage one = message("alice", "one", 10);
        ChatMessage two = message("alice", "two", 20);
        send(one);
        send(two);
        store().appendEvent("bob", requested("alice"));
        List<Event> released = store().releaseHeld(PAIR, "bob");
        assertThat(released).extracting(Event::getSeq).containsExactly(2L, 3L);
        assertThat(released).extracting(Event::getMessage).containsExactly(withSeq(one, 1), withSeq(two, 2));
        assertThat(store().eventsAfter("bob", 1, 10)).isEqualTo(released);
        assertThat(store().held(PAIR)).isEmpty();
        assertThat(store().releaseHeld(PAIR, "bob")).isEmpty();
    }

    @Test
    void droppingTheHeldMessagesTakesThemOutOfTheHistoryToo() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        ChatMessage before = message("alice", "before", 10);
        send(before);
        store().setPairState(PAIR, PairState.pendingFrom("alice"));
        send(message("alice", "waiting1", 10));
        send(message("alice", "waiting2", 10));
        assertThat(store().dropHeld(PAIR))
                .extracting(ChatMessage::getMessageId)
                .containsExactly("waiting1", "waiting2");
        assertThat(store().held(PAIR)).isEmpty();
        assertThat(store().history(DM, 0, 100)).containsExactly(withSeq(before, 1));
        assertThat(inboxMessages("bob")).containsExactly(withSeq(before, 1));
    }

    @Test
    void historyComesInPagesByChatSeqAndKeepsTheLastN() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        for (int i = 1; i <= 10; i++) {
            send(message("alice", "m" + i, 10));
        }
        assertThat(store().history(DM, 0, 3))
                .extracting(ChatMessage::getChatSeq)
                .containsExactly(8L, 9L, 10L);
        assertThat(store().history(DM, 8, 10))
                .extracting(ChatMessage::getChatSeq)
                .containsExactly(6L, 7L);
        assertThat(store().history(DM, 6, 10)).isEmpty(); // 5 are kept
        assertThat(store().history("dm:nobody|else", 0, 10)).isEmpty();
        store().deleteHistory(DM);
        assertThat(store().history(DM, 0, 10)).isEmpty();
    }

    @Test
    void anAckBeyondTheLastEventGivenOutIsRefusedAndTrimsNothing() {
        store().appendEvent("bob", requested("alice"));
        store().appendEvent("bob", requested("carol"));
        assertThat(store().ack("bob", 5)).isFalse();
        assertThat(store().ack("bob", Long.MAX_VALUE)).isFalse();
        assertThat(store().ack("bob", -1)).isFalse();
        assertThat(store().lastAcked("bob")).isZero();
        assertThat(store().eventsAfter("bob", 0, 10)).hasSize(2);
        // The next events are not trimmed in advance either.
        store().appendEvent("bob", requested("dave"));
        assertThat(store().eventsAfter("bob", 0, 10)).extracting(Event::getSeq).containsExactly(1L, 2L, 3L);

        assertThat(store().ack("bob", 2)).isTrue();
        assertThat(store().eventsAfter("bob", 0, 10)).extracting(Event::getSeq).containsExactly(3L);
        assertThat(store().ack("bob", 1)).as("an old ack is harmless").isTrue();
        assertThat(store().lastAcked("bob")).isEqualTo(2);
        assertThat(store().ack("bob", 3)).isTrue();
        assertThat(store().eventsAfter("bob", 0, 10)).isEmpty();
        assertThat(store().eventsAfter("bob", Long.MAX_VALUE, 10)).isEmpty();
    }

    @Test
    void acknowledgingRemembersTheLastChatSeqSeenPerConversation() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        send(message("alice", "a1", 10));
        send(message("alice", "a2", 10));
        store().appendEvent("bob", requested("carol"));
        send(message("alice", "a3", 10));
        assertThat(store().acknowledgedChatSeq("bob", DM)).isZero();
        assertThat(store().ack("bob", 3)).isTrue(); // a1, a2 and the request
        assertThat(store().acknowledgedChatSeq("bob", DM)).isEqualTo(2);
        assertThat(store().ack("bob", 4)).isTrue();
        assertThat(store().acknowledgedChatSeq("bob", DM)).isEqualTo(3);
        assertThat(store().acknowledgedChatSeq("alice", DM)).isZero();
    }

    @Test
    void noChatRefusesWithTheEmptyState() {
        SaveResult refused = send(message("alice", "m", 10));
        assertThat(refused.outcome()).isEqualTo(SaveResult.Outcome.REFUSED);
        assertThat(refused.refusedPairState()).isEqualTo(PairState.NONE);
        assertThat(store().history(DM, 0, 100)).isEmpty();
    }

    @Test
    void aGroupMessageIsRefusedOnceTheGroupChangedSinceItsMembersWereRead() {
        String chat = "group:team";
        long version = store().groupVersion("team");
        assertThat(version).isZero();
        NewMessage atVersion = new NewMessage(
                chat,
                chat,
                message("alice", "g1", 10),
                List.of("bob", "carol"),
                Guard.groupAt("team", version),
                5,
                HoldLimit.NONE);
        store().putGroup("team", List.of("alice", "bob"));
        assertThat(store().groupVersion("team")).isEqualTo(version + 1);
        assertThat(store().save(atVersion).outcome()).isEqualTo(SaveResult.Outcome.REFUSED);
        assertThat(inboxMessages("carol")).isEmpty();

        store().appendEvent("carol", requested("dave"));
        NewMessage now = new NewMessage(
                chat,
                chat,
                message("alice", "g1", 10),
                List.of("bob", "carol"),
                Guard.groupAt("team", store().groupVersion("team")),
                5,
                HoldLimit.NONE);
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

    private SaveResult sendToGroup(String sender, String id, int keep, String... readers) {
        String chat = "group:team";
        return store().save(new NewMessage(
                chat,
                chat,
                message(sender, id, 10),
                List.of(readers),
                Guard.groupAt("team", store().groupVersion("team")),
                keep,
                HoldLimit.NONE));
    }

    @Test
    void aGroupMessageReachesEveryReaderUntilEachAcknowledgesItEvenAfterTheHistoryDroppedIt() {
        store().putGroup("team", List.of("alice", "bob", "carol", "dave"));
        assertThat(sendToGroup("alice", "g1", 1, "bob", "carol", "dave").outcome())
                .isEqualTo(SaveResult.Outcome.DELIVERED);
        assertThat(store().ack("bob", 1)).isTrue();
        // The history keeps 1: g2 pushes g1 out of it while carol and dave have not read g1.
        sendToGroup("alice", "g2", 1, "bob", "carol", "dave");
        assertThat(store().history("group:team", 0, 10))
                .extracting(ChatMessage::getMessageId)
                .containsExactly("g2");
        assertThat(inboxMessages("carol")).extracting(ChatMessage::getMessageId).containsExactly("g1", "g2");
        assertThat(store().ack("carol", 2)).isTrue();
        assertThat(inboxMessages("dave")).extracting(ChatMessage::getMessageId).containsExactly("g1", "g2");
        assertThat(store().ack("dave", 1)).isTrue();
        assertThat(inboxMessages("dave")).extracting(ChatMessage::getMessageId).containsExactly("g2");
        assertThat(inboxMessages("bob")).extracting(ChatMessage::getMessageId).containsExactly("g2");
        assertThat(store().acknowledgedChatSeq("dave", "group:team")).isEqualTo(1);

        // Deleting the history (the group is gone) takes nothing from an inbox that still holds a message.
        store().deleteHistory("group:team");
        assertThat(inboxMessages("dave")).singleElement().satisfies(m -> {
            assertThat(m.getMessageId()).isEqualTo("g2");
            assertThat(m.getChatSeq()).isEqualTo(2);
            assertThat(m.getSender()).isEqualTo("alice");
        });
        assertThat(store().ack("dave", 2)).isTrue();
        assertThat(store().ack("bob", 2)).isTrue();
        assertThat(inboxMessages("dave")).isEmpty();
        assertThat(inboxMessages("bob")).isEmpty();
    }

    @Test
    void aGroupKeepsItsGenerationWhileItLivesAndARecreatedOneGetsANewOne() {
        RuntimeGroup made = store().putGroup("team", List.of("alice", "bob", "carol"));
        assertThat(made.generation()).isPositive();
        RuntimeGroup smaller = store().putGroup("team", List.of("alice", "bob"));
        assertThat(smaller.generation()).isEqualTo(made.generation());
        assertThat(store().runtimeGroup("team")).contains(smaller);
        assertThat(store().groupsOf("carol")).isEmpty();
        assertThat(store().groupsOf("alice")).containsExactly(smaller);

        store().deleteGroup("team");
        assertThat(store().runtimeGroup("team")).isEmpty();
        assertThat(store().groupsOf("alice")).isEmpty();
        RuntimeGroup again = store().putGroup("team", List.of("dave", "erin"));
        assertThat(again.generation()).isNotEqualTo(made.generation());
        assertThat(store().groupsOf("dave")).containsExactly(again);
    }

    @Test
    void aGroupKeepsItsSignedStatementsAndSoDoItsChangeEvents() {
        List<RuntimeGroup.Signed> chain = List.of(
                new RuntimeGroup.Signed(ByteString.copyFromUtf8("create"), ByteString.copyFromUtf8("sig1")),
                new RuntimeGroup.Signed(ByteString.copyFromUtf8("leave"), ByteString.copyFromUtf8("sig2")));
        RuntimeGroup put = store().putGroup("team", List.of("alice", "bob"), chain);
        assertThat(put.chain()).isEqualTo(chain);
        assertThat(store().runtimeGroup("team")).contains(put);
        assertThat(store().groupsOf("bob")).containsExactly(put);

        Group wire = Group.newBuilder()
                .setName("team")
                .addMembers("alice")
                .addChain(SignedStatement.newBuilder()
                        .setStatement(ByteString.copyFromUtf8("create"))
                        .setSignature(ByteString.copyFromUtf8("sig1")))
                .build();
        store().appendEvent(
                        "carol",
                        Event.newBuilder()
                                .setGroupChanged(
                                        GroupChanged.newBuilder().setGroup(wire).setRemoved(true))
                                .build());
        assertThat(store().eventsAfter("carol", 0, 10))
                .singleElement()
                .satisfies(e -> assertThat(e.getGroupChanged().getGroup()).isEqualTo(wire));
    }

    @Test
    void theEpochIsMadeOnceWithTheStore() {
        assertThat(store().epoch()).isNotBlank().isEqualTo(store().epoch());
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

    private static OneTimePreKey oneTime(int id) {
        return OneTimePreKey.newBuilder()
                .setId(id)
                .setPublicKey(ByteString.copyFrom(new byte[] {5, (byte) id}))
                .build();
    }

    private static SignedPreKey signedKey(int id, int bytes) {
        return SignedPreKey.newBuilder()
                .setId(id)
                .setPublicKey(ByteString.copyFrom(new byte[bytes]))
                .setSignature(ByteString.copyFrom(new byte[64]))
                .build();
    }

    @Test
    void signedPreKeysAreReplacedWhole() {
        assertThat(store().signedPreKeys("bob")).isEmpty();
        store().putSignedPreKeys("bob", 42, signedKey(1, 33), signedKey(1, 1569));
        store().putSignedPreKeys("bob", 43, signedKey(2, 33), signedKey(2, 1569));
        PreKeyBundle b = store().signedPreKeys("bob").orElseThrow();
        assertThat(b.getUser()).isEqualTo("bob");
        assertThat(b.getRegistrationId()).isEqualTo(43);
        assertThat(b.getDeviceId()).isEqualTo(1);
        assertThat(b.getSignedPreKey()).isEqualTo(signedKey(2, 33));
        assertThat(b.getKyberPreKey()).isEqualTo(signedKey(2, 1569));
        assertThat(b.hasOneTimePreKey()).isFalse();
    }

    @Test
    void oneTimePreKeysAreGivenOutOnceOldestFirst() {
        assertThat(store().addOneTimePreKeys("bob", List.of(oneTime(1), oneTime(2)), 10))
                .isEqualTo(2);
        assertThat(store().addOneTimePreKeys("bob", List.of(oneTime(3)), 10)).isEqualTo(3);
        assertThat(store().oneTimePreKeyCount("bob")).isEqualTo(3);
        assertThat(store().oneTimePreKeyCount("alice")).isZero();
        assertThat(store().takeOneTimePreKey("bob")).contains(oneTime(1));
        assertThat(store().takeOneTimePreKey("bob")).contains(oneTime(2));
        assertThat(store().takeOneTimePreKey("bob")).contains(oneTime(3));
        assertThat(store().takeOneTimePreKey("bob")).isEmpty();
        assertThat(store().oneTimePreKeyCount("bob")).isZero();
    }

    @Test
    void anUploadBeyondTheLimitAddsNothing() {
        assertThat(store().addOneTimePreKeys("bob", List.of(oneTime(1), oneTime(2)), 3))
                .isEqualTo(2);
        assertThat(store().addOneTimePreKeys("bob", List.of(oneTime(3), oneTime(4)), 3))
                .isEqualTo(-1);
        assertThat(store().oneTimePreKeyCount("bob")).isEqualTo(2);
        assertThat(store().addOneTimePreKeys("bob", List.of(oneTime(3)), 3)).isEqualTo(3);
    }

    @Test
    void aResetDropsThePreKeysToo() {
        store().putSignedPreKeys("bob", 42, signedKey(1, 33), signedKey(1, 1569));
        store().addOneTimePreKeys("bob", List.of(oneTime(1)), 10);
        store().dropKeys("bob");
        assertThat(store().signedPreKeys("bob")).isEmpty();
        assertThat(store().oneTimePreKeyCount("bob")).isZero();
        assertThat(store().takeOneTimePreKey("bob")).isEmpty();
    }

    @Test
    void devicesGetIdsThatAreNeverGivenTwice() {
        byte[] key = new byte[33];
        assertThat(store().devices("alice")).isEmpty();
        Device laptop = store().addDevice("alice", "laptop", key, 5);
        assertThat(laptop).isEqualTo(new Device(2, "laptop", key, 5));
        assertThat(store().addDevice("alice", "phone", key, 6).id()).isEqualTo(3);
        assertThat(store().devices("alice")).extracting(Device::name).containsExactly("laptop", "phone");
        assertThat(store().removeDevice("alice", 2)).isTrue();
        assertThat(store().removeDevice("alice", 2)).isFalse();
        assertThat(store().addDevice("alice", "tablet", key, 7).id()).isEqualTo(4);
        store().dropDevices("alice");
        assertThat(store().devices("alice")).isEmpty();
        assertThat(store().addDevice("alice", "again", key, 8).id()).isEqualTo(5);
        assertThat(store().devices("bob")).isEmpty();
    }

    @Test
    void aLinkIsKeptUntilItExpiresAndAnsweredOnce() {
        long now = System.currentTimeMillis(); // Redis expires links on its own clock too
        byte[] slot = {1, 2, 3, 4};
        PendingLink open = PendingLink.open("alice", new byte[] {5, 6}, "laptop", now + 60_000);
        assertThat(store().putLinkIfAbsent(slot, open, now)).isTrue();
        assertThat(store().putLinkIfAbsent(slot, PendingLink.open("bob", new byte[] {7}, "x", now + 60_000), now))
                .isFalse();
        assertThat(store().link(slot, now)).contains(open);
        assertThat(store().link(new byte[] {1, 2, 3, 5}, now)).isEmpty();

        PendingLink done = open.completed(2, new byte[] {9, 9});
        store().answerLink(slot, done);
        assertThat(store().link(slot, now)).contains(done);
        // Past its expiry on the caller's clock, a link counts for nothing and its slot may be taken again.
        assertThat(store().link(slot, now + 60_000)).isEmpty();
        PendingLink next = PendingLink.open("bob", new byte[] {7}, "x", now + 120_000);
        assertThat(store().putLinkIfAbsent(slot, next, now + 60_000)).isTrue();
        assertThat(store().link(slot, now + 60_000)).contains(next);
    }

    @Test
    void theKeyLogIsAppendOnlyInOrderAndItsKeyIsSetOnce() {
        assertThat(store().keyLogEntries(0)).isEmpty();
        store().appendKeyLogEntry(new byte[] {1});
        store().appendKeyLogEntry(new byte[] {2, 2});
        store().appendKeyLogEntry(new byte[] {3});
        assertThat(store().keyLogEntries(0)).containsExactly(new byte[] {1}, new byte[] {2, 2}, new byte[] {3});
        assertThat(store().keyLogEntries(2)).containsExactly(new byte[] {3});
        assertThat(store().keyLogEntries(3)).isEmpty();
        byte[] first = store().keyLogKey(new byte[] {7, 7});
        assertThat(first).containsExactly(7, 7);
        assertThat(store().keyLogKey(new byte[] {8})).as("never replaced").containsExactly(7, 7);
    }
    /**
     * Devices (PROTOCOL.md, "Devices"): a message goes to the inbox of each device address it is for, with its sending
     * device, and a device's purge (its unlink) drops its inbox and prekeys and nothing of the account's other devices.
     */
    @Test
    void aMessageReachesEveryDeviceAddressAndADevicesPurgeTakesOnlyItsOwn() {
        store().setPairState(PAIR, PairState.ACCEPTED);
        Device laptop = store().addDevice("bob", "laptop", new byte[] {5}, T0);
        String address = "bob#" + laptop.id();
        store().putSignedPreKeys(
                        address,
                        7,
                        dev.spartan.proto.SignedPreKey.newBuilder().setId(1).build(),
                        dev.spartan.proto.SignedPreKey.newBuilder().setId(2).build());
        ChatMessage m = between("alice", "bob", "both", T0).toBuilder()
                .setSenderDevice(3)
                .setSealed(between("alice", "bob", "both", T0).getSealed().toBuilder()
                        .putCiphertexts(
                                address,
                                Ciphertext.newBuilder()
                                        .setType(2)
                                        .setBody(ByteString.copyFromUtf8("y"))
                                        .build()))
                .build();
        store().save(new NewMessage(
                PAIR, DM, m, List.of("bob", address), Guard.pair(PAIR, "alice"), 100, HoldLimit.NONE));
        assertThat(inboxMessages("bob"))
                .extracting(ChatMessage::getSenderDevice)
                .containsExactly(3);
        assertThat(inboxMessages(address)).extracting(ChatMessage::getMessageId).containsExactly("both");

        assertThat(store().removeDevice("bob", laptop.id())).isTrue();
        store().purge(address);
        assertThat(store().eventsAfter(address, 0, 10)).isEmpty();
        assertThat(store().signedPreKeys(address)).isEmpty();
        assertThat(inboxMessages("bob")).extracting(ChatMessage::getMessageId).containsExactly("both");
        assertThat(store().history(DM, 0, 10))
                .extracting(ChatMessage::getMessageId)
                .containsExactly("both");
    }
    /** A message held before the chat was accepted goes, once accepted, to every device it was encrypted for. */
    @Test
    void aHeldMessageIsReleasedToEveryDeviceItWasEncryptedFor() {
        store().setPairState(PAIR, PairState.pendingFrom("alice"));
        Ciphertext c = Ciphertext.newBuilder()
                .setType(2)
                .setBody(ByteString.copyFromUtf8("x"))
                .build();
        ChatMessage m = between("alice", "bob", "held", T0).toBuilder()
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts("bob", c)
                        .putCiphertexts("bob#2", c)
                        .putCiphertexts("alice#3", c))
                .build();
        assertThat(deliver(m).outcome()).isEqualTo(SaveResult.Outcome.HELD);
        assertThat(store().releaseHeld(PAIR, "bob"))
                .extracting(e -> e.getMessage().getMessageId())
                .containsExactly("held");
        for (String device : List.of("bob", "bob#2", "alice#3")) {
            assertThat(inboxMessages(device))
                    .extracting(ChatMessage::getMessageId)
                    .containsExactly("held");
        }
    }
}
