package dev.spartan.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.h2.mvstore.MVStore;

/**
 * Group commit for an MVStore: {@link #awaitDurable} returns, and {@link #durable} completes, once a commit that
 * began after the caller's writes has finished. One commit covers everything written before it started, so
 * concurrent senders share the cost of writing the file instead of queueing for one commit each.
 *
 * <p>Waiting callers commit on their own thread. Futures are completed by one committer thread, which commits as
 * long as futures wait and completes them in the order they were asked for, so a stream of sends pipelines: its
 * writes go on while the previous commit is written. The committer starts commits at least {@link #MIN_GAP_NANOS}
 * apart: a commit rewrites every B-tree page it touched however few messages changed it, so under a steady load
 * committing as often as possible spends the CPU on pages (about a commit per message at a few thousand a second)
 * while a short gap lets one commit carry many. After a quiet moment the first commit starts at once.
 *
 * <p>With {@link #housekeeping} the store is opened without MVStore's background writer, so a commit serializes and
 * writes its chunk on the committing thread (with the writer, every commit handed its pages to MVStore's
 * serialization thread and that one its buffer to a save thread, two thread wake-ups per commit). The committer then
 * does that writer's other work once a second: it commits what no save committed (acknowledgements) and rewrites
 * sparse chunks, as MVStore's own housekeeping did.
 */
final class GroupCommit implements AutoCloseable {
    private record Waiter(CompletableFuture<Void> durable) {}

    /** Least time from the start of one commit of the committer to the start of its next. */
    static final long MIN_GAP_NANOS = 2_000_000;

    private final MVStore mv;
    private final Object lock = new Object();
    /** Least share of live data in the file's chunks below which housekeeping rewrites the sparsest, in percent. */
    static final int FILL_RATE = 81;
    /** Bytes housekeeping rewrites at most per second; MVStore's own writer took a quarter of its 1 MiB buffer. */
    static final int REWRITE_BYTES = 256 * 1024;

    private final ScheduledExecutorService committer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spartan-commit");
        t.setDaemon(true);
        return t;
    });
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean committing;
    private boolean scheduled;
    private long durableVersion;
    /** When the committer last started a commit; only the committer thread reads and writes it. */
    private long lastStart = System.nanoTime() - MIN_GAP_NANOS;

    GroupCommit(MVStore mv) {
        this.mv = Objects.requireNonNull(mv, "mv");
    }

    /**
     * Does MVStore's background writer's work on the committer, once a second, for a store opened without it: commits
     * changes no save committed, and rewrites sparse chunks. A failure goes to {@code failed} (the store stops).
     */
    GroupCommit housekeeping(Consumer<RuntimeException> failed) {
        var unused = committer.scheduleWithFixedDelay(
                () -> {
                    try {
                        if (mv.isClosed()) {
                            return;
                        }
                        if (mv.hasUnsavedChanges()) {
                            synchronized (lock) {
                                takeTurn();
                            }
                            commitNow();
                        }
                        mv.compact(FILL_RATE, REWRITE_BYTES);
                    } catch (RuntimeException e) {
                        if (!committer.isShutdown()) { // not a store closing under it
                            failed.accept(e);
                        }
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
        return this;
    }

    void awaitDurable() {
        long mine = mv.getCurrentVersion(); // our writes belong to this version, or to an earlier one
        synchronized (lock) {
            while (durableVersion <= mine) {
                if (!committing) {
                    committing = true;
                    break;
                }
                waitForCommit();
            }
            if (durableVersion > mine) {
                return;
            }
        }
        commitNow();
    }

    /** Completes once what the caller wrote before this call is committed; fails with the commit's exception. */
    CompletableFuture<Void> durable() {
        long mine = mv.getCurrentVersion();
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean start;
        synchronized (lock) {
            if (durableVersion > mine) {
                return CompletableFuture.completedFuture(null);
            }
            waiters.add(new Waiter(done));
            start = !scheduled;
            scheduled = true;
        }
        if (start) {
            try {
                committer.execute(this::commitForWaiters);
            } catch (RejectedExecutionException e) {
                synchronized (lock) {
                    waiters.clear();
                    scheduled = false;
                }
                return CompletableFuture.failedFuture(new StoreUnavailableException("the store is closed", e));
            }
        }
        return done;
    }

    /** Commits while futures wait; each commit covers every future asked for before it began. */
    private void commitForWaiters() {
        while (true) {
            long gap = lastStart + MIN_GAP_NANOS - System.nanoTime();
            if (gap > 0) {
                LockSupport.parkNanos(gap); // pacing, so that the commit gathers what arrives meanwhile
            }
            List<Waiter> batch;
            synchronized (lock) {
                if (waiters.isEmpty()) {
                    scheduled = false;
                    return;
                }
                takeTurn();
                batch = new ArrayList<>(waiters);
                waiters.clear();
            }
            lastStart = System.nanoTime();
            RuntimeException failure = null;
            try {
                commitNow();
            } catch (RuntimeException e) {
                failure = e;
            }
            for (Waiter w : batch) {
                if (failure == null) {
                    w.durable().complete(null);
                } else {
                    w.durable().completeExceptionally(failure);
                }
            }
        }
    }

    /** Commits, as the one committer of the moment ({@code committing} is set by the caller). */
    private void commitNow() {
        long after = -1;
        try {
            mv.commit();
            after = mv.getCurrentVersion();
        } finally {
            synchronized (lock) {
                committing = false;
                durableVersion = Math.max(durableVersion, after);
                lock.notifyAll();
            }
        }
    }

    /** Waits until no commit runs, then makes the caller the one committer (the caller holds {@code lock}). */
    private void takeTurn() {
        while (committing) {
            waitForCommit();
        }
        committing = true;
    }

    @SuppressWarnings("WaitNotInLoop") // every caller waits in a loop on its own condition
    private void waitForCommit() {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the store to commit", e);
        }
    }

    /** Lets the committer finish what it was asked for, then stops it. */
    @Override
    public void close() {
        committer.shutdown();
        try {
            if (!committer.awaitTermination(5, TimeUnit.SECONDS)) {
                committer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
