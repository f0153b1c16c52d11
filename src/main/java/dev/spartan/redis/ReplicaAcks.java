package dev.spartan.redis;

import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Waits until {@code replicas} replicas hold what a connection wrote (Redis {@code WAIT}), so that a write is
 * acknowledged only once a failover cannot lose it. Group commit per connection: one WAIT in flight at a time, and
 * every write answered while it is out waits for the next one, which covers them all (WAIT counts everything the
 * connection wrote before it).
 */
public final class ReplicaAcks {
    private final int replicas;
    private final Duration timeout;
    private final Map<RedisAsyncCommands<String, byte[]>, Waiter> waiters = new ConcurrentHashMap<>();

    public ReplicaAcks(int replicas, Duration timeout) {
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must be >= 0: " + replicas);
        }
        this.replicas = replicas;
        this.timeout = timeout;
    }

    public int replicas() {
        return replicas;
    }

    /**
     * Completes once a WAIT sent after this call saw {@code replicas} replicas acknowledge; fails with {@link
     * ReplicasLaggingException} when fewer did in the timeout. At once when no replica is asked for.
     */
    public CompletableFuture<Void> after(RedisAsyncCommands<String, byte[]> connection) {
        if (replicas == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return waiters.computeIfAbsent(connection, Waiter::new).next();
    }

    private final class Waiter {
        private final RedisAsyncCommands<String, byte[]> connection;
        private List<CompletableFuture<Void>> pending = new ArrayList<>();
        private boolean inFlight;

        Waiter(RedisAsyncCommands<String, byte[]> connection) {
            this.connection = connection;
        }

        CompletableFuture<Void> next() {
            CompletableFuture<Void> done = new CompletableFuture<>();
            boolean send;
            synchronized (this) {
                pending.add(done);
                send = !inFlight;
                inFlight = true;
            }
            if (send) {
                send();
            }
            return done;
        }

        private void send() {
            List<CompletableFuture<Void>> batch;
            synchronized (this) {
                batch = pending;
                pending = new ArrayList<>();
            }
            CompletableFuture<Long> reply;
            try {
                reply = connection
                        .waitForReplication(replicas, timeout.toMillis())
                        .toCompletableFuture();
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
            var unused = reply.orTimeout(timeout.toMillis() + 2000, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .whenComplete((acked, failure) -> {
                        boolean again;
                        synchronized (this) {
                            again = !pending.isEmpty();
                            inFlight = again;
                        }
                        for (CompletableFuture<Void> f : batch) {
                            if (failure != null) {
                                f.completeExceptionally(failure);
                            } else if (acked < replicas) {
                                f.completeExceptionally(new ReplicasLaggingException(acked, replicas, timeout));
                            } else {
                                f.complete(null);
                            }
                        }
                        if (again) {
                            send();
                        }
                    });
        }
    }

    /** Fewer replicas than asked held the writes within the timeout: the write may not survive a failover. */
    public static final class ReplicasLaggingException extends RuntimeException {
        public ReplicasLaggingException(long acked, int asked, Duration timeout) {
            super(acked + " of " + asked + " Redis replicas acknowledged the write within " + timeout.toMillis()
                    + " ms");
        }
    }
}
