package dev.spartan.delivery;

import dev.spartan.chat.ReaderCopy;
import dev.spartan.proto.CaughtUp;
import dev.spartan.proto.Event;
import dev.spartan.proto.StreamStarted;
import dev.spartan.store.MessageStore;
import dev.spartan.store.StoreUnavailableException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open ReceiveMsg stream: a cursor over its user's inbox in the store.
 *
 * <p>The store is the queue. When something arrives, {@link #signal()} schedules a drain on a shared executor; the
 * drain sends from the store only while the transport {@code isReady()}, and resumes from {@code onReady}. So a
 * reader that stops reading costs the server nothing but its place in the store, and no thread waits on an idle
 * stream. All writes to the observer happen inside the drain, which never runs twice at once.
 *
 * <p>The first event is always {@code started}, naming the store's epoch, so that a client can tell its position
 * belongs to another store.
 *
 * <p>A send accepted on this node also {@linkplain #offer offers} the stored event itself, so that the drain can send
 * it without reading it back. Offers are only a shortcut: the drain takes one only if it is exactly the next
 * sequence number, keeps at most {@value #MAX_OFFER_BYTES} bytes of them and none while the transport is not ready,
 * and reads the store for anything else, including whenever an offer waits above a gap.
 */
public final class StreamSession {
    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);
    private static final int BATCH = 128;
    /** Enough for a burst; a reader that falls further behind is served from the store, so its memory is bounded. */
    private static final long MAX_OFFER_BYTES = 256 * 1024;

    private static final Event CAUGHT_UP =
            Event.newBuilder().setCaughtUp(CaughtUp.getDefaultInstance()).build();

    private final String user;
    private final ServerCallStreamObserver<Event> observer;
    private final MessageStore store;
    private final Executor executor;
    private final Consumer<StreamSession> onEnd;
    private final AtomicBoolean running = new AtomicBoolean();
    /** Events that are not stored (typing indicators), waiting to be sent; a few at most. */
    private final java.util.Queue<Event> passing = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private static final int MAX_PASSING = 32;
    private final AtomicBoolean pending = new AtomicBoolean();
    /** The inbox may hold events that were not offered: the drain must read the store. */
    private final AtomicBoolean mustRead = new AtomicBoolean();

    private final AtomicBoolean ended = new AtomicBoolean();
    private final ConcurrentSkipListMap<Long, Event> offers = new ConcurrentSkipListMap<>();
    private final AtomicLong offeredBytes = new AtomicLong();
    /** The transport said "not ready": until it says ready again, new events wait in the store only. */
    private volatile boolean blocked;

    private volatile Status closeWith;
    /** Written only by the drain; read by {@link #offer} on other threads. */
    private volatile long lastSent;

    private boolean caughtUpSent;
    private boolean startedSent;

    public StreamSession(
            String user,
            long afterSeq,
            ServerCallStreamObserver<Event> observer,
            MessageStore store,
            Executor executor,
            Consumer<StreamSession> onEnd) {
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
        observer.setOnReadyHandler(() -> {
            blocked = false;
            signal();
        });
        observer.setOnCancelHandler(this::end);
        signal();
    }

    /** Something new may be in the inbox. Cheap and safe from any thread. */
    public void signal() {
        mustRead.set(true);
        wake();
    }

    /** An event just stored in this user's inbox, with its sequence number. Cheap and safe from any thread. */
    public void offer(Event stored) {
        if (stored.getSeq() <= lastSent) {
            return; // already sent, read from the store
        }
        int size = stored.getSerializedSize();
        if (blocked || offeredBytes.get() + size > MAX_OFFER_BYTES) {
            signal();
            return;
        }
        if (offers.putIfAbsent(stored.getSeq(), stored) == null) {
            offeredBytes.addAndGet(size);
        }
        wake();
    }

    /** An event that is not stored and has no sequence number: sent soon, or dropped if many wait already. */
    public void passOn(Event event) {
        if (passing.size() < MAX_PASSING) {
            passing.add(event);
            wake();
        }
    }

    private void wake() {
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

    private void drainLoop() {
        do {
            pending.set(false);
            try {
                drain();
            } catch (RuntimeException e) {
                if (e instanceof StoreUnavailableException) {
                    log.warn("delivery to {} stopped, the client will reconnect: {}", user, e.getMessage());
                } else {
                    log.warn("delivery to {} failed", user, e); // a bug: keep the stack trace
                }
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
        if (!startedSent) {
            startedSent = true;
            observer.onNext(Event.newBuilder()
                    .setStarted(StreamStarted.newBuilder().setStoreEpoch(store.epoch()))
                    .build());
        }
        for (Event e; observer.isReady() && (e = passing.poll()) != null; ) {
            observer.onNext(e);
        }
        boolean storeHadNothingNew = false;
        while (observer.isReady() && !ended.get()) {
            dropOffersUpTo(lastSent); // sent meanwhile, read from the store
            Event offered = takeOffer(lastSent + 1);
            if (offered != null) {
                send(offered);
                storeHadNothingNew = false;
                continue;
            }
            // Every event stored is either offered or followed by signal(), which sets mustRead. Without it there is
            // nothing beyond what was sent, unless an offer waits above a gap: the offer for the gap never came (its
            // send failed after storing), so read the store, once.
            if (!mustRead.getAndSet(false) && (offers.isEmpty() || storeHadNothingNew)) {
                return; // a later offer or signal wakes us
            }
            List<Event> batch = store.eventsAfter(user, lastSent, BATCH);
            storeHadNothingNew = batch.isEmpty();
            for (Event event : batch) {
                send(event);
                if (!observer.isReady()) {
                    waitForReady(); // the rest of the batch is still to send
                    return;
                }
            }
            if (batch.size() == BATCH) {
                mustRead.set(true); // there may be more
            } else if (!caughtUpSent) {
                caughtUpSent = true;
                observer.onNext(CAUGHT_UP);
            }
        }
        if (!ended.get() && !observer.isReady()) {
            waitForReady();
        }
    }

    /** Until onReady, the store is the only queue, and the next drain must read it: unsent events may remain. */
    private void waitForReady() {
        blocked = true;
        dropOffersUpTo(Long.MAX_VALUE);
        mustRead.set(true);
    }

    private Event takeOffer(long seq) {
        Event e = offers.remove(seq);
        if (e != null) {
            offeredBytes.addAndGet(-e.getSerializedSize());
        }
        return e;
    }

    private void dropOffersUpTo(long seq) {
        for (Map.Entry<Long, Event> e = offers.firstEntry(); e != null && e.getKey() <= seq; e = offers.firstEntry()) {
            takeOffer(e.getKey());
        }
    }

    private void send(Event event) {
        observer.onNext(ReaderCopy.of(event, user));
        lastSent = event.getSeq();
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
