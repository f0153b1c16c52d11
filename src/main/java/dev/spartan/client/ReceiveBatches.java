package dev.spartan.client;

import dev.spartan.proto.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The push stream's events, handled on one thread in the order they came, its messages in batches: every message
 * waiting when the thread gets to them (up to {@link #MAX_BATCH}) is decrypted and counted with its state in memory,
 * then the batch's state is synced once (each session and the counters file it touched), and only then is it shown
 * and may it be acknowledged. At a light load a batch is one message and waits for nothing; under load a sync serves
 * many. Any other event first commits the messages before it, and the stream waits until it is handled, so what it
 * tells (caught up, a chat accepted) comes after them, as it did on the stream.
 */
final class ReceiveBatches {
    static final int MAX_BATCH = 64;
    /**
     * The batch the client uses: up to {@link #MAX_BATCH}. A batch's plaintexts are durable with its state
     * ({@link KeptMessages}), so a kill between its sync and the screen loses none of them.
     */
    static final int CLIENT_BATCH = MAX_BATCH;
    /** Messages taken from the stream but not handled yet; past this the stream waits (gRPC's flow control). */
    static final int QUEUED = 256;

    /** What the client does with the events, always on the one thread. */
    interface Handler {
        /** Decrypts and counts one message: nothing durable, nothing shown. */
        void message(Event event);

        /** Syncs the state of the messages since the last commit, then shows them. */
        void commit();

        /** Any event other than a message, after the messages before it were committed. */
        void other(Event event);

        /** A message or commit failed: nothing of the batch may be shown or acknowledged. */
        void failed(RuntimeException e);
    }

    private static final class Item {
        final Event event;
        final CountDownLatch done; // null for a message: the stream goes on at once
        RuntimeException failure;

        Item(Event event, CountDownLatch done) {
            this.event = event;
            this.done = done;
        }
    }

    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>(QUEUED);
    private final ExecutorService thread;
    private final Handler handler;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final int maxBatch;
    private volatile boolean closed;

    ReceiveBatches(ExecutorService thread, Handler handler) {
        this(thread, handler, MAX_BATCH);
    }

    ReceiveBatches(ExecutorService thread, Handler handler, int maxBatch) {
        this.thread = Objects.requireNonNull(thread, "thread");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.maxBatch = maxBatch;
    }

    /**
     * From the stream's thread: a message returns once queued, any other event once handled (its failure is thrown
     * here, on the stream, as before).
     */
    void offer(Event event) {
        Item item = new Item(event, event.hasMessage() ? null : new CountDownLatch(1));
        try {
            while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                if (closed) {
                    return;
                }
            }
            if (draining.compareAndSet(false, true)) {
                thread.execute(this::drain);
            }
            if (item.done != null) {
                while (!item.done.await(100, TimeUnit.MILLISECONDS)) {
                    if (closed) {
                        return;
                    }
                }
                if (item.failure != null) {
                    throw item.failure;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RejectedExecutionException e) {
            // closed meanwhile: what was not handled is not acknowledged, so the server offers it again
        }
    }

    /** Stops taking events; those not handled yet are dropped unacknowledged. */
    void close() {
        closed = true;
    }

    private void drain() {
        List<Item> batch = new ArrayList<>(maxBatch);
        while (true) {
            queue.drainTo(batch, maxBatch);
            if (batch.isEmpty()) {
                draining.set(false);
                // an offer between the empty drain and the reset found draining set: take its item too
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            if (!closed) {
                handle(batch);
            }
            batch.forEach(i -> {
                if (i.done != null) {
                    i.done.countDown();
                }
            });
            batch.clear();
        }
    }

    private void handle(List<Item> batch) {
        try {
            for (Item i : batch) {
                if (i.done == null) {
                    handler.message(i.event);
                } else {
                    handler.commit();
                    try {
                        handler.other(i.event);
                    } catch (RuntimeException e) {
                        i.failure = e;
                    }
                }
            }
            handler.commit();
        } catch (RuntimeException e) {
            handler.failed(e);
        }
    }
}
