package dev.spartan.client;

import dev.spartan.contract.RetryDelay;
import dev.spartan.proto.ChatRef;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Outgoing messages, sent one at a time in the order typed. A message leaves the queue only when the server has
 * stored it or refused it for good. A rate-limit refusal pauses the queue for the delay the server names; a lost
 * connection pauses it until the client is back; either way the message is sent later with the same id, so the
 * server stores it once.
 */
final class Outbox {
    record Pending(String messageId, ChatRef to, String text) {}

    /** The peer's keys are not usable yet (never logged in, or changed and not trusted). */
    static final class NotReady extends Exception {
        NotReady(String why) {
            super(why, null, false, false);
        }
    }

    interface Transport {
        void send(Pending message) throws NotReady;
    }

    private final Transport transport;
    private final ScheduledExecutorService thread;
    private final Consumer<String> notice;
    private final Runnable connectionLost;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private boolean waitingForConnection;
    private boolean waitingForKeys;
    private long pausedUntilNanos;
    private boolean pauseAnnounced;
    private Runnable drained = () -> {};

    Outbox(Transport transport, ScheduledExecutorService thread, Consumer<String> notice, Runnable connectionLost) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.thread = Objects.requireNonNull(thread, "thread");
        this.notice = Objects.requireNonNull(notice, "notice");
        this.connectionLost = Objects.requireNonNull(connectionLost, "connectionLost");
    }

    void submit(Pending message) {
        synchronized (this) {
            queue.add(message);
        }
        thread.execute(this::pump);
    }

    /** Connection is back, or keys may now be known: try again. */
    void resume() {
        synchronized (this) {
            waitingForConnection = false;
            waitingForKeys = false;
        }
        thread.execute(this::pump);
    }

    synchronized int size() {
        return queue.size();
    }

    /** Runs once the queue is empty (used by /quit to flush). */
    synchronized void whenDrained(Runnable action) {
        if (queue.isEmpty()) {
            action.run();
        } else {
            drained = action;
        }
    }

    private void pump() {
        while (true) {
            Pending next;
            synchronized (this) {
                if (waitingForConnection || waitingForKeys) {
                    return;
                }
                long wait = pausedUntilNanos - System.nanoTime();
                if (wait > 0) {
                    // Woken early (or by a new message): come back when the pause is over, so it always ends.
                    var unused = thread.schedule(this::pump, wait, TimeUnit.NANOSECONDS);
                    return;
                }
                next = queue.peek();
                if (next == null) {
                    Runnable action = drained;
                    drained = () -> {};
                    action.run();
                    return;
                }
            }
            try {
                transport.send(next);
                done();
            } catch (NotReady e) {
                synchronized (this) {
                    waitingForKeys = true;
                }
                notice.accept(e.getMessage());
                return;
            } catch (StatusRuntimeException e) {
                if (!retryLater(e)) {
                    notice.accept("Message not sent: " + describe(e));
                    done();
                } else {
                    return;
                }
            }
        }
    }

    private synchronized void done() {
        queue.poll();
        pauseAnnounced = false;
    }

    /** True if the message stays queued and a retry is arranged. */
    private boolean retryLater(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        java.util.Optional<Duration> retryAfter = RetryDelay.of(e);
        if (code == Status.Code.RESOURCE_EXHAUSTED && retryAfter.isPresent()) {
            // Only the rate limit says when to come back; other RESOURCE_EXHAUSTED (a message over the transport's
            // size limit) would fail again the same way, so it is reported instead.
            Duration delay = retryAfter.get();
            boolean announce;
            synchronized (this) {
                pausedUntilNanos = System.nanoTime() + delay.toNanos();
                announce = !pauseAnnounced;
                pauseAnnounced = true;
            }
            if (announce) {
                long secs = Math.max(1, (delay.toMillis() + 999) / 1000);
                notice.accept(describe(e) + ": message queued, sending in " + secs + "s");
            }
            var unused = thread.schedule(this::pump, delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        }
        if (code == Status.Code.UNAVAILABLE
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.CANCELLED
                || code == Status.Code.UNAUTHENTICATED) {
            synchronized (this) {
                waitingForConnection = true;
            }
            connectionLost.run();
            return true;
        }
        return false;
    }

    static String describe(StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        return d != null ? d : e.getStatus().getCode().name();
    }
}
