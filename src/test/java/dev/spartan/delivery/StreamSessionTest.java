package dev.spartan.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Sealed;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.Guard;
import dev.spartan.store.HoldLimit;
import dev.spartan.store.NewMessage;
import dev.spartan.store.PairState;
import dev.spartan.testing.UnreliableStore;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamSession} against a real in-memory store and a transport whose readiness the test controls. The
 * executor runs drains only when the test says so, so every interleaving below is exact, not a matter of timing.
 * Events carry an id that tells where the session took them from: "stored-N" from the store, "offered-N" from an offer.
 */
class StreamSessionTest {
    private static final String USER = "alice";
    private static final String PAIR = PairState.pairKey("alice", "bob");

    /** Runs what was submitted when the test calls {@link #runAll()}, on the test's thread. */
    private static final class StepExecutor implements Executor {
        private final Queue<Runnable> queue = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            queue.add(task);
        }

        void runAll() {
            for (Runnable task; (task = queue.poll()) != null; ) {
                task.run();
            }
        }
    }

    private final StepExecutor executor = new StepExecutor();
    private final FakeStreamObserver observer = new FakeStreamObserver();
    private final List<StreamSession> ended = new ArrayList<>();
    private UnreliableStore unreliable;
    private EmbeddedStore store;

    @BeforeEach
    void setUp() {
        store = EmbeddedStore.inMemory();
        store.setPairState(PAIR, PairState.ACCEPTED);
        unreliable = UnreliableStore.over(store);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private StreamSession open(long afterSeq) {
        StreamSession session = new StreamSession(USER, afterSeq, observer, unreliable.store(), executor, ended::add);
        session.start();
        executor.runAll();
        return session;
    }

    private static Event message(String id, int bodyBytes) {
        return Event.newBuilder()
                .setMessage(ChatMessage.newBuilder()
                        .setMessageId(id)
                        .setSender("bob")
                        .setChat(ChatIds.toUser(USER))
                        .setSealed(Sealed.newBuilder()
                                .putCiphertexts(
                                        "bob",
                                        Ciphertext.newBuilder()
                                                .setType(2)
                                                .setBody(ByteString.copyFrom(new byte[bodyBytes]))
                                                .build())))
                .build();
    }

    /** Saves sends from bob without telling the session, as a send on another node does before its signal. */
    private void store(int count, int bodyBytes) {
        long first = store.eventsAfter(USER, 0, Integer.MAX_VALUE).size() + 1L;
        for (long seq = first; seq < first + count; seq++) {
            store.save(new NewMessage(
                    PAIR,
                    ChatIds.direct("bob", USER),
                    message("stored-" + seq, bodyBytes).getMessage(),
                    List.of(USER),
                    Guard.pair(PAIR, "bob"),
                    100,
                    HoldLimit.NONE));
        }
    }

    private static Event offered(long seq, int bodyBytes) {
        return message("offered-" + seq, bodyBytes).toBuilder().setSeq(seq).build();
    }

    /** Where each event sent came from, "caught-up" for the marker. */
    private List<String> sentIds() {
        return observer.sent().stream()
                .map(e -> e.hasCaughtUp() ? "caught-up" : e.getMessage().getMessageId())
                .toList();
    }

    @Test
    void startSendsTheBacklogInOrderThenCaughtUp() {
        store(3, 10);
        open(0);
        assertThat(sentIds()).containsExactly("stored-1", "stored-2", "stored-3", "caught-up");
        assertThat(observer.seqs()).containsExactly(1L, 2L, 3L, 0L);
        assertThat(observer.all().get(0).getStarted().getStoreEpoch())
                .as("every stream opens with the store's epoch")
                .isEqualTo(store.epoch());
    }

    @Test
    void startResumesAfterTheRequestedSeqOrTheLastAckWhicheverIsLater() {
        store(4, 10);
        store.ack(USER, 2);
        open(1);
        assertThat(observer.seqs()).containsExactly(3L, 4L, 0L);
    }

    @Test
    void offersAreSentAsOfferedInSequenceWhateverOrderTheyArriveIn() {
        StreamSession session = open(0);
        store(2, 10); // what the two sends stored; their offers follow, out of order
        session.offer(offered(2, 10));
        session.offer(offered(1, 10));
        executor.runAll();
        assertThat(sentIds()).containsExactly("caught-up", "offered-1", "offered-2");
    }

    @Test
    void anOfferIsNeverSentBeforeTheSeqBelowIt() {
        StreamSession session = open(0); // the store has nothing to fill the gap with
        session.offer(offered(2, 10));
        executor.runAll();
        assertThat(sentIds()).as("2 waits for 1").containsExactly("caught-up");

        session.offer(offered(1, 10));
        executor.runAll();
        assertThat(sentIds()).containsExactly("caught-up", "offered-1", "offered-2");

        session.offer(offered(2, 10)); // offered again (a repeated cluster signal): already sent
        executor.runAll();
        assertThat(observer.seqs()).containsExactly(0L, 1L, 2L);
    }

    @Test
    void anOfferAboveAGapMakesTheDrainReadTheStore() {
        StreamSession session = open(0);
        store(2, 10);
        // The offer for seq 1 never comes (its send failed after storing, say): the drain must not wait for it.
        session.offer(offered(2, 10));
        executor.runAll();
        assertThat(sentIds()).containsExactly("caught-up", "stored-1", "stored-2");
    }

    @Test
    void notReadyStopsTheDrainAndOnReadyResumesItFromTheStore() {
        store(3, 10);
        observer.readyFor(2); // StreamStarted, then one event
        StreamSession session = open(0);
        assertThat(sentIds()).containsExactly("stored-1");

        // While the transport is full, a new event waits in the store only: its offer is not kept in memory.
        store(1, 10);
        session.offer(offered(4, 10));
        session.signal();
        executor.runAll();
        assertThat(sentIds()).containsExactly("stored-1");

        observer.becomeReady();
        executor.runAll();
        assertThat(sentIds()).containsExactly("stored-1", "stored-2", "stored-3", "stored-4", "caught-up");
    }

    @Test
    void offersAreBoundedInBytesAndWhatDoesNotFitIsReadFromTheStore() {
        StreamSession session = open(0);
        int big = 100 * 1024; // two fit in the 256 KiB bound, a third does not
        store(3, big);
        session.offer(offered(1, big));
        session.offer(offered(2, big));
        session.offer(offered(3, big));
        executor.runAll();
        assertThat(sentIds()).containsExactly("caught-up", "offered-1", "offered-2", "stored-3");
    }

    @Test
    void cancelEndsTheSessionOnceAndNothingIsSentAfter() {
        StreamSession session = open(0);
        observer.cancel();
        observer.cancel();
        assertThat(ended).containsExactly(session);

        store(1, 10);
        session.signal();
        session.offer(offered(1, 10));
        session.close(Status.UNAVAILABLE.withDescription("server is shutting down"));
        executor.runAll();
        assertThat(ended).containsExactly(session);
        assertThat(sentIds()).containsExactly("caught-up");
        assertThat(observer.errors()).isZero();
    }

    @Test
    void closeEndsTheStreamWithItsStatusOnce() {
        StreamSession session = open(0);
        session.close(Status.FAILED_PRECONDITION.withDescription("alice signed in from another client"));
        executor.runAll();
        session.close(Status.UNAVAILABLE.withDescription("server is shutting down"));
        executor.runAll();
        assertThat(observer.closedWith().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(observer.closedWith().getDescription()).isEqualTo("alice signed in from another client");
        assertThat(observer.errors()).isEqualTo(1);
        assertThat(ended).containsExactly(session);

        observer.cancel(); // the client's side of the same ending
        executor.runAll();
        assertThat(ended).containsExactly(session);
    }

    @Test
    void aStoreThatFailsEndsTheStreamWithUnavailable() {
        StreamSession session = open(0);
        unreliable.down(true);
        session.signal();
        executor.runAll();
        assertThat(observer.closedWith().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ended).containsExactly(session);
    }
}
