package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.proto.CaughtUp;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReceiveBatchesTest {
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    /** What the handler was asked, in order: "m<seq>", "commit", "other<seq>", "failed". */
    private final List<String> calls = new CopyOnWriteArrayList<>();
    /** Messages counted since the last commit, and those "shown" by a commit. */
    private final List<String> counted = new CopyOnWriteArrayList<>();

    private final List<String> shown = new CopyOnWriteArrayList<>();
    private volatile boolean failSync;

    private final ReceiveBatches batches = new ReceiveBatches(thread, new ReceiveBatches.Handler() {
        @Override
        public void message(Event event) {
            calls.add("m" + event.getSeq());
            counted.add("m" + event.getSeq());
        }

        @Override
        public void commit() {
            if (counted.isEmpty()) {
                return;
            }
            calls.add("commit");
            if (failSync) {
                throw new UncheckedIOException(new java.io.IOException("disk full"));
            }
            shown.addAll(counted);
            counted.clear();
        }

        @Override
        public void other(Event event) {
            calls.add("other" + event.getSeq());
            if (event.getSeq() == 99) {
                throw new IllegalStateException("refused");
            }
        }

        @Override
        public void failed(RuntimeException e) {
            calls.add("failed");
            counted.clear();
        }
    });

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    private static Event message(long seq) {
        return Event.newBuilder()
                .setSeq(seq)
                .setMessage(ChatMessage.newBuilder().setMessageId("id" + seq))
                .build();
    }

    private static Event caughtUp(long seq) {
        return Event.newBuilder()
                .setSeq(seq)
                .setCaughtUp(CaughtUp.getDefaultInstance())
                .build();
    }

    /** Holds the thread until the returned latch opens, so that what is offered meanwhile waits together. */
    private CountDownLatch busy() {
        CountDownLatch release = new CountDownLatch(1);
        thread.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return release;
    }

    @Test
    void messagesWaitingTogetherAreCommittedOnceThenShownInOrder() {
        CountDownLatch release = busy();
        for (long seq = 1; seq <= 5; seq++) {
            batches.offer(message(seq)); // returns at once: the thread is busy
        }
        assertThat(calls).isEmpty();
        release.countDown();
        await().until(() -> shown.size() == 5);
        assertThat(calls).containsExactly("m1", "m2", "m3", "m4", "m5", "commit");
        assertThat(shown).containsExactly("m1", "m2", "m3", "m4", "m5");
    }

    @Test
    void anotherEventCommitsTheMessagesBeforeItAndTheStreamWaitsForIt() {
        CountDownLatch release = busy();
        batches.offer(message(1));
        batches.offer(message(2));
        release.countDown();
        batches.offer(caughtUp(3)); // returns only once handled
        assertThat(calls).containsExactly("m1", "m2", "commit", "other3");
        assertThat(shown).containsExactly("m1", "m2");
        assertThatThrownBy(() -> batches.offer(caughtUp(99)))
                .as("its failure reaches the stream, which then reconnects")
                .hasMessage("refused");
    }

    @Test
    void aBatchWhoseSyncFailsShowsNothing() {
        failSync = true;
        CountDownLatch release = busy();
        batches.offer(message(1));
        batches.offer(message(2));
        release.countDown();
        await().until(() -> calls.contains("failed"));
        assertThat(calls).containsExactly("m1", "m2", "commit", "failed");
        assertThat(shown).isEmpty();
    }
}
