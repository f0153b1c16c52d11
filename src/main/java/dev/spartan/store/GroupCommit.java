package dev.spartan.store;

import java.util.Objects;
import org.h2.mvstore.MVStore;

/**
 * Group commit for an MVStore: {@link #awaitDurable} returns once a commit that began after the caller's writes has
 * finished. One caller commits while the others wait, and that one commit covers everything written before it
 * started, so concurrent senders share the cost of writing the file instead of queueing for one commit each.
 */
final class GroupCommit {
    private final MVStore mv;
    private final Object lock = new Object();
    private boolean committing;
    private long durableVersion;

    GroupCommit(MVStore mv) {
        this.mv = Objects.requireNonNull(mv, "mv");
    }

    void awaitDurable() {
        long mine = mv.getCurrentVersion(); // our writes belong to this version, or to an earlier one
        synchronized (lock) {
            while (durableVersion <= mine) {
                if (!committing) {
                    committing = true;
                    break;
                }
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the store to commit", e);
                }
            }
            if (durableVersion > mine) {
                return;
            }
        }
        long after = mine;
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
}
