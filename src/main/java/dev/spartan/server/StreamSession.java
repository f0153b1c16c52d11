package dev.spartan.server;

import dev.spartan.proto.CaughtUp;
import dev.spartan.proto.Event;
import dev.spartan.store.MessageStore;
import dev.spartan.store.StoreUnavailableException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open ReceiveMsg stream: a cursor over its user's inbox in the store.
 *
 * <p>Nothing is queued in memory per recipient. When something arrives, {@link #signal()} schedules a drain on a
 * shared executor; the drain sends from the store only while the transport {@code isReady()}, and resumes from
 * {@code onReady}. So a reader that stops reading costs the server nothing but its place in the store, and no thread
 * waits on an idle stream. All writes to the observer happen inside the drain, which never runs twice at once.
 */
public final class StreamSession {
    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);
    private static final int BATCH = 128;
    private static final Event CAUGHT_UP = Event.newBuilder().setCaughtUp(CaughtUp.getDefaultInstance()).build();

    private final String user;
    private final ServerCallStreamObserver<Event> observer;
    private final MessageStore store;
    private final Executor executor;
    private final Consumer<StreamSession> onEnd;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Status closeWith;
    private long lastSent;
    private boolean caughtUpSent;

    public StreamSession(String user, long afterSeq, ServerCallStreamObserver<Event> observer, MessageStore store,
                         Executor executor, Consumer<StreamSession> onEnd) {
        this.user = Objects.requireNonNull(user, "user");
        this.observer = Objects.requireNonNull(observer, "observer");
        this.store = Objects.requireNonNull(store, "store");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.onEnd = Objects.requireNonNull(onEnd, "onEnd");
        this.lastSent = Math.max(afterSeq, store.lastAcked(user));
    }

    public String user() {
        return user;
    }

    /** Wires flow control and cancellation. Call once, from the ReceiveMsg handler. */
    public void start() {
        observer.setOnReadyHandler(this::signal);
        observer.setOnCancelHandler(this::end);
        signal();
    }

    /** Something new may be in the inbox. Cheap and safe from any thread. */
    public void signal() {
        pending.set(true);
        if (running.compareAndSet(false, true)) {
            executor.execute(this::drainLoop);
        }
    }

    /** Ends the stream with a status the client shows, e.g. when the same user logs in elsewhere. */
    public void close(Status status) {
        closeWith = status;
        signal();
    }

    public boolean isEnded() {
        return ended.get();
    }

    private void drainLoop() {
        do {
            pending.set(false);
            try {
                drain();
            } catch (RuntimeException e) {
                log.warn("delivery to {} failed", user, e);
                closeWith = (e instanceof StoreUnavailableException ? Status.UNAVAILABLE : Status.INTERNAL)
                        .withDescription("delivery failed: " + e.getMessage());
                finish();
            }
            running.set(false);
        } while (pending.get() && running.compareAndSet(false, true));
    }

    private void drain() {
        if (ended.get()) {
            return;
        }
        if (closeWith != null) {
            finish();
            return;
        }
        while (observer.isReady() && !ended.get()) {
            List<Event> batch = store.eventsAfter(user, lastSent, BATCH);
            for (Event event : batch) {
                observer.onNext(event);
                lastSent = event.getSeq();
                if (!observer.isReady()) {
                    return; // onReady will signal us again
                }
            }
            if (batch.size() < BATCH) {
                // All there was when we read. Reading again to see it empty would double the store reads per
                // message; whatever is appended after our read signals, and drainLoop runs drain() again.
                if (!caughtUpSent) {
                    caughtUpSent = true;
                    observer.onNext(CAUGHT_UP);
                }
                return;
            }
        }
    }

    private void finish() {
        if (ended.compareAndSet(false, true)) {
            try {
                observer.onError(closeWith.asRuntimeException());
            } catch (RuntimeException alreadyClosed) {
                // The client went away first; nothing left to tell it.
            }
            onEnd.accept(this);
        }
    }

    private void end() {
        if (ended.compareAndSet(false, true)) {
            onEnd.accept(this);
        }
    }
}
