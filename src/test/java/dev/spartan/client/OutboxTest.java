package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.SendAck;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutboxTest {
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    /** A refusal whose retry delay is not a whole number of milliseconds, as real ones are. */
    private static StatusRuntimeException rateLimited(int nanos) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                .setMessage("Rate limit reached (3 per 3s)")
                .addDetails(Any.pack(RetryInfo.newBuilder()
                        .setRetryDelay(com.google.protobuf.Duration.newBuilder().setNanos(nanos))
                        .build()))
                .build());
    }

    private static Outbox.Listener listener(List<String> notices) {
        return new Outbox.Listener() {
            @Override
            public void state(Outbox.Pending message, SendState state) {}

            @Override
            public void notice(String text) {
                notices.add(text);
            }
        };
    }

    @Test
    void everyMessageLeavesInOrderAfterRepeatedRateLimitPauses() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch allSent = new CountDownLatch(6);
        Outbox outbox = new Outbox(
                message -> {
                    // Every other call is refused with a delay of 7.5 ms.
                    if (calls.incrementAndGet() % 2 == 1) {
                        throw rateLimited(7_500_000);
                    }
                    sent.add(message.text());
                    allSent.countDown();
                    return SendAck.getDefaultInstance();
                },
                thread,
                Spool.none(),
                listener(notices),
                () -> {});
        for (int i = 1; i <= 6; i++) {
            outbox.submit(new Outbox.Pending("id" + i, ChatIds.toUser("bob"), "m" + i, 0));
        }
        assertThat(allSent.await(10, TimeUnit.SECONDS))
                .as("sent so far: " + sent)
                .isTrue();
        assertThat(sent).containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
        assertThat(notices).allMatch(n -> n.startsWith("Rate limit reached (3 per 3s): message queued, sending in "));
        CountDownLatch drained = new CountDownLatch(1);
        outbox.whenDrained(drained::countDown); // the last send is counted before it leaves the queue
        assertThat(drained.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outbox.size()).isZero();
    }

    /**
     * A transport like SendStream's: rounds of up to 4 in flight, and like the server, once it refuses one message for
     * the rate limit it refuses the rest of the round. The refused message and everything after it go again, in
     * order, and what the server stored is stored once.
     */
    @Test
    void roundsOfSeveralMessagesResendFromARateLimitedOneInOrder() throws Exception {
        List<String> stored = new CopyOnWriteArrayList<>();
        List<Integer> roundSizes = new CopyOnWriteArrayList<>();
        java.util.Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CountDownLatch allStored = new CountDownLatch(10);
        Outbox.Transport rounds = new Outbox.Transport() {
            @Override
            public SendAck send(Outbox.Pending message) {
                throw new AssertionError("sent one at a time");
            }

            @Override
            public int window() {
                return 4;
            }

            @Override
            public List<Outbox.Answer> sendAll(List<Outbox.Pending> messages) {
                roundSizes.add(messages.size());
                List<Outbox.Answer> answers = new java.util.ArrayList<>();
                boolean blocked = false;
                for (Outbox.Pending p : messages) {
                    // m3 and m7 are refused the first time they come.
                    boolean refuse =
                            blocked || ((p.text().equals("m3") || p.text().equals("m7")) && refused.add(p.text()));
                    if (refuse) {
                        blocked = true;
                        answers.add(Outbox.Answer.failed(rateLimited(5_000_000)));
                    } else {
                        if (!stored.contains(p.text())) {
                            stored.add(p.text());
                            allStored.countDown();
                        }
                        answers.add(Outbox.Answer.stored(SendAck.getDefaultInstance()));
                    }
                }
                return answers;
            }
        };
        Outbox outbox = new Outbox(rounds, thread, Spool.none(), listener(new CopyOnWriteArrayList<>()), () -> {});
        outbox.pauseUntilConnected(); // queue everything first, so that the rounds are full
        for (int i = 1; i <= 10; i++) {
            outbox.submit(new Outbox.Pending("id" + i, ChatIds.toUser("bob"), "m" + i, 0));
        }
        outbox.resume();
        assertThat(allStored.await(10, TimeUnit.SECONDS))
                .as("stored: " + stored)
                .isTrue();
        assertThat(stored).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10");
        assertThat(roundSizes).allMatch(n -> n <= 4).contains(4);
        assertThat(refused).containsExactlyInAnyOrder("m3", "m7");
        CountDownLatch drained = new CountDownLatch(1);
        outbox.whenDrained(drained::countDown);
        assertThat(drained.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outbox.size()).isZero();
    }

    /**
     * A pipeline like SendStream's: up to 4 unanswered, answered by the test. Answers given after the outbox abandoned
     * a message still take their place until they come, as on the real stream.
     */
    private static final class FakePipeline implements Outbox.Transport, Outbox.Pipeline {
        final List<String> written = new CopyOnWriteArrayList<>();
        final java.util.concurrent.BlockingDeque<java.util.function.Consumer<Outbox.Answer>> unanswered =
                new java.util.concurrent.LinkedBlockingDeque<>();
        final java.util.concurrent.BlockingDeque<String> unansweredIds =
                new java.util.concurrent.LinkedBlockingDeque<>();

        @Override
        public SendAck send(Outbox.Pending message) {
            throw new AssertionError("sent one at a time");
        }

        @Override
        public Outbox.Pipeline pipeline() {
            return this;
        }

        @Override
        public boolean hasRoom() {
            return unanswered.size() < 4;
        }

        @Override
        public synchronized boolean send(Outbox.Pending message, java.util.function.Consumer<Outbox.Answer> answer) {
            written.add(message.text());
            unansweredIds.add(message.text());
            unanswered.add(answer);
            return true;
        }

        @Override
        public void abandon() {
            // Each answer still comes; the outbox drops the ones it abandoned.
        }

        /** Answers the oldest unanswered message; returns its text. */
        synchronized String answer(Outbox.Answer answer) {
            String text = unansweredIds.poll();
            unanswered.poll().accept(answer);
            return text;
        }
    }

    @Test
    void thePipelineSendsTheNextMessageAsSoonAsAnAnswerFreesAPlace() {
        FakePipeline pipeline = new FakePipeline();
        List<String> stored = new CopyOnWriteArrayList<>();
        Outbox outbox = new Outbox(
                pipeline,
                thread,
                Spool.none(),
                new Outbox.Listener() {
                    @Override
                    public void state(Outbox.Pending message, SendState state) {
                        if (state == SendState.STORED) {
                            stored.add(message.text());
                        }
                    }

                    @Override
                    public void notice(String text) {}
                },
                () -> {});
        for (int i = 1; i <= 10; i++) {
            outbox.submit(new Outbox.Pending("id" + i, ChatIds.toUser("bob"), "m" + i, 0));
        }
        awaitTrue(() -> pipeline.written.size() == 4);
        assertThat(pipeline.written).containsExactly("m1", "m2", "m3", "m4");

        assertThat(pipeline.answer(Outbox.Answer.stored(SendAck.getDefaultInstance())))
                .isEqualTo("m1");
        awaitTrue(() -> pipeline.written.size() == 5); // m5 goes while m2..m4 are still unanswered
        assertThat(stored).containsExactly("m1");

        // m2 is rate limited; the server refuses what follows it until m2 comes again.
        assertThat(pipeline.answer(Outbox.Answer.failed(rateLimited(5_000_000))))
                .isEqualTo("m2");
        for (int i = 0; i < 3; i++) {
            pipeline.answer(Outbox.Answer.failed(rateLimited(5_000_000)));
        }
        // After the pause, m2 and everything after it go again, in order; from then on every answer is an ack.
        awaitTrue(() -> stored.size() == 10 || answerOneIfAny(pipeline));
        assertThat(stored).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10");
        assertThat(pipeline.written.subList(5, 9)).containsExactly("m2", "m3", "m4", "m5");
        assertThat(pipeline.written).hasSize(14);
    }

    /** Acks the oldest unanswered message, if there is one; always false, for polling. */
    private static boolean answerOneIfAny(FakePipeline pipeline) {
        if (!pipeline.unanswered.isEmpty()) {
            pipeline.answer(Outbox.Answer.stored(SendAck.getDefaultInstance()));
        }
        return false;
    }

    @Test
    void aRefusalWithoutRetryInfoIsReportedAndTheQueueGoesOn() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        CountDownLatch secondSent = new CountDownLatch(1);
        Outbox outbox = new Outbox(
                message -> {
                    if (message.text().equals("huge")) {
                        throw io.grpc.Status.RESOURCE_EXHAUSTED
                                .withDescription("gRPC message exceeds maximum size")
                                .asRuntimeException();
                    }
                    sent.add(message.text());
                    secondSent.countDown();
                    return SendAck.getDefaultInstance();
                },
                thread,
                Spool.none(),
                listener(notices),
                () -> {});
        outbox.submit(new Outbox.Pending("id1", ChatIds.toUser("bob"), "huge", 0));
        outbox.submit(new Outbox.Pending("id2", ChatIds.toUser("bob"), "small", 0));
        assertThat(secondSent.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sent).containsExactly("small");
        assertThat(notices).containsExactly("Message not sent: gRPC message exceeds maximum size");
    }

    /** A spool in memory that records what it was told, and which saves a sync made durable. */
    private static final class MemorySpool implements Spool {
        final java.util.Map<String, Boolean> saved = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.Set<String> synced = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final AtomicInteger syncs = new AtomicInteger();
        volatile boolean syncFails;

        @Override
        public void sync() {
            if (syncFails) {
                throw new java.io.UncheckedIOException(
                        "cannot save the message in /keys/outbox: No space left on device",
                        new java.io.IOException("No space left on device"));
            }
            if (!synced.containsAll(saved.keySet())) { // like a journal: nothing new, nothing to sync
                syncs.incrementAndGet();
                synced.addAll(saved.keySet());
            }
        }

        @Override
        public List<Entry> load() {
            return List.of();
        }

        @Override
        public void save(Outbox.Pending pending, boolean held) {
            saved.put(pending.messageId(), held);
        }

        @Override
        public void remove(String messageId) {
            saved.remove(messageId);
        }
    }

    private static final class States implements Outbox.Listener {
        final java.util.Map<String, SendState> last = new java.util.concurrent.ConcurrentHashMap<>();
        final List<String> notices = new CopyOnWriteArrayList<>();

        @Override
        public void state(Outbox.Pending message, SendState state) {
            last.put(message.messageId(), state);
        }

        @Override
        public void notice(String text) {
            notices.add(text);
        }
    }

    private static SendAck stored() {
        return SendAck.newBuilder().setChatSeq(1).build();
    }

    private static SendAck held() {
        return SendAck.newBuilder().setChatSeq(1).setHeld(true).build();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) {
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(condition::getAsBoolean);
    }

    /** An outbox whose server stores every message, noting for each whether the spool had synced it when it went. */
    private Outbox storingAll(MemorySpool spool, States states, List<Boolean> onDiskWhenSent) {
        return new Outbox(
                message -> {
                    onDiskWhenSent.add(spool.synced.contains(message.messageId()));
                    return stored();
                },
                thread,
                spool,
                states,
                () -> {});
    }

    @Test
    void aMessageIsOnDiskBeforeItIsSentAndLeavesWhenStored() throws Exception {
        MemorySpool spool = new MemorySpool();
        States states = new States();
        List<Boolean> onDiskWhenSent = new CopyOnWriteArrayList<>();
        Outbox outbox = storingAll(spool, states, onDiskWhenSent);
        outbox.submit(new Outbox.Pending("id1", ChatIds.toUser("bob"), "hello", 0));
        awaitTrue(() -> states.last.get("id1") == SendState.STORED);
        assertThat(onDiskWhenSent).containsExactly(true);
        assertThat(spool.saved).isEmpty();
    }

    /** Messages queued together go out after one sync, not one each; a sync that fails sends nothing. */
    @Test
    void messagesQueuedTogetherShareOneSyncAndOneThatCannotBeSyncedIsNotSent() {
        MemorySpool spool = new MemorySpool();
        States states = new States();
        List<Boolean> onDiskWhenSent = new CopyOnWriteArrayList<>();
        Outbox outbox = storingAll(spool, states, onDiskWhenSent);
        outbox.pauseUntilConnected(); // typed before the connection is up: all five wait for it
        for (int i = 1; i <= 5; i++) {
            outbox.submit(new Outbox.Pending("id" + i, ChatIds.toUser("bob"), "m" + i, 0));
        }
        outbox.resume();
        awaitTrue(() -> states.last.get("id5") == SendState.STORED);
        assertThat(onDiskWhenSent).containsExactly(true, true, true, true, true);
        assertThat(spool.syncs).hasValue(1);

        spool.syncFails = true;
        outbox.submit(new Outbox.Pending("id6", ChatIds.toUser("bob"), "m6", 0));
        awaitTrue(() -> states.last.get("id6") == SendState.FAILED);
        assertThat(onDiskWhenSent).hasSize(5);
        assertThat(states.notices)
                .containsExactly("Message not sent: cannot save the message in /keys/outbox: No space left on device");
        assertThat(spool.saved).doesNotContainKey("id6");
    }

    @Test
    void aChatWaitingForAKeyHoldsUpNoOtherChat() {
        States states = new States();
        java.util.concurrent.atomic.AtomicBoolean bobHasKeys = new java.util.concurrent.atomic.AtomicBoolean();
        List<String> sent = new CopyOnWriteArrayList<>();
        Outbox outbox = new Outbox(
                message -> {
                    if (message.to().getUser().equals("bob") && !bobHasKeys.get()) {
                        throw new Outbox.NotReady("bob has not logged in yet");
                    }
                    sent.add(message.text());
                    return stored();
                },
                thread,
                new MemorySpool(),
                states,
                () -> {});
        outbox.submit(new Outbox.Pending("b1", ChatIds.toUser("bob"), "to bob 1", 0));
        outbox.submit(new Outbox.Pending("c1", ChatIds.toUser("charlie"), "to charlie", 0));
        outbox.submit(new Outbox.Pending("b2", ChatIds.toUser("bob"), "to bob 2", 0));
        awaitTrue(() -> sent.contains("to charlie"));
        assertThat(outbox.unsent()).containsExactly(java.util.Map.entry(ChatIds.toUser("bob"), 2));
        bobHasKeys.set(true);
        outbox.resume();
        awaitTrue(() -> sent.size() == 3);
        assertThat(sent).containsExactly("to charlie", "to bob 1", "to bob 2");
        assertThat(states.notices).contains("bob has not logged in yet");
    }

    @Test
    void aDeclineKeepsHeldAndQueuedMessagesUntilTheChatIsOpenedAgainOrDiscarded() {
        MemorySpool spool = new MemorySpool();
        States states = new States();
        java.util.concurrent.atomic.AtomicBoolean chat = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<String> sent = new CopyOnWriteArrayList<>();
        Outbox outbox = new Outbox(
                message -> {
                    if (!chat.get()) {
                        throw io.grpc.Status.FAILED_PRECONDITION
                                .withDescription("you have no chat with bob: request one first")
                                .asRuntimeException();
                    }
                    sent.add(message.text());
                    return held();
                },
                thread,
                spool,
                states,
                () -> {});
        outbox.submit(new Outbox.Pending("h1", ChatIds.toUser("bob"), "held one", 0));
        awaitTrue(() -> states.last.get("h1") == SendState.HELD);
        assertThat(spool.saved).containsEntry("h1", true); // held: kept on disk until bob accepts

        chat.set(false);
        assertThat(outbox.declined("bob", List.of("h1")))
                .as("the server dropped h1: kept here")
                .isEqualTo(1);
        assertThat(spool.saved).doesNotContainKey("h1").hasSize(1).containsValue(false);
        outbox.submit(new Outbox.Pending("k1", ChatIds.toUser("bob"), "after the decline", 0));
        assertThat(states.last.get("k1")).isEqualTo(SendState.KEPT);
        assertThat(states.notices)
                .contains("Message to bob kept (bob declined): /chat bob asks again, /discard drops it.");
        assertThat(outbox.kept()).containsEntry("bob", 2);
        assertThat(sent).containsExactly("held one"); // nothing tried while there is no chat

        chat.set(true);
        outbox.reopened(ChatIds.toUser("bob"));
        awaitTrue(() -> sent.size() == 3);
        assertThat(sent)
                .as("sent again under a new id, then the later one")
                .containsExactly("held one", "held one", "after the decline");
        outbox.accepted("bob");
        awaitTrue(spool.saved::isEmpty);

        // A refusal for want of a chat keeps the message too, and /discard drops it from the disk.
        chat.set(false);
        outbox.submit(new Outbox.Pending("k2", ChatIds.toUser("bob"), "refused", 0));
        awaitTrue(() -> states.last.get("k2") == SendState.KEPT);
        assertThat(spool.saved).containsKey("k2");
        assertThat(outbox.discard(ChatIds.toUser("bob"))).isEqualTo(1);
        assertThat(spool.saved).isEmpty();
        assertThat(outbox.unsent()).isEmpty();
    }

    @Test
    void receiptsGoAfterMessagesAndARefusedOneIsDropped() {
        List<String> sent = new CopyOnWriteArrayList<>();
        Outbox outbox = new Outbox(
                message -> {
                    if (message.text().equals("bad receipt")) {
                        throw io.grpc.Status.FAILED_PRECONDITION.asRuntimeException();
                    }
                    sent.add(message.text());
                    return stored();
                },
                thread,
                new MemorySpool(),
                new States(),
                () -> {});
        outbox.pauseUntilConnected();
        outbox.submitReceipt(new Outbox.Pending("r1", ChatIds.toUser("bob"), "bad receipt", 0));
        outbox.submitReceipt(new Outbox.Pending("r2", ChatIds.toUser("bob"), "receipt", 0));
        outbox.submit(new Outbox.Pending("m1", ChatIds.toUser("bob"), "message", 0));
        outbox.resume();
        awaitTrue(() -> sent.size() == 2);
        assertThat(sent).containsExactly("message", "receipt");
        assertThat(outbox.unsent()).isEmpty();
    }

    @Test
    void restoredMessagesGoFirstWithTheirIds() {
        List<String> ids = new CopyOnWriteArrayList<>();
        Outbox outbox = new Outbox(
                message -> {
                    ids.add(message.messageId());
                    return stored();
                },
                thread,
                new MemorySpool(),
                new States(),
                () -> {});
        outbox.pauseUntilConnected();
        outbox.restore(List.of(
                new Spool.Entry(new Outbox.Pending("old1", ChatIds.toUser("bob"), "a", 0), false),
                new Spool.Entry(new Outbox.Pending("old2", ChatIds.toUser("bob"), "b", 0), false),
                new Spool.Entry(new Outbox.Pending("held", ChatIds.toUser("bob"), "c", 0), true)));
        outbox.submit(new Outbox.Pending("new", ChatIds.toUser("bob"), "d", 0));
        outbox.resume();
        awaitTrue(() -> ids.size() == 3);
        assertThat(ids).containsExactly("old1", "old2", "new"); // the held one is the server's already
    }

    @Test
    void aConnectionThatClosedUnderASendIsRetriedNotRefused() {
        // What gRPC's Netty transport reports when the node dies under a call (ChaosIT once lost a message to it).
        io.grpc.StatusRuntimeException closed = io.grpc.Status.UNKNOWN
                .withDescription("channel closed")
                .withCause(new java.nio.channels.ClosedChannelException())
                .asRuntimeException();
        assertThat(Outbox.connectionClosed(closed)).isTrue();
        assertThat(Outbox.connectionClosed(
                        io.grpc.Status.UNKNOWN.withDescription("channel closed").asRuntimeException()))
                .isTrue();
        assertThat(Outbox.connectionClosed(
                        io.grpc.Status.UNKNOWN.withDescription("a bug").asRuntimeException()))
                .isFalse();
        assertThat(Outbox.connectionClosed(io.grpc.Status.INVALID_ARGUMENT
                        .withCause(new java.nio.channels.ClosedChannelException())
                        .asRuntimeException()))
                .isFalse();
    }
}
