package dev.spartan.store;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * The state of a store that has failed for good, shared by both stores: once {@link #stop} is called every
 * {@link #check} throws {@link StoreUnavailableException} with the first reason, and the listener given to
 * {@link #onFatal} hears that reason exactly once, so the node can stop and be restarted on what was committed.
 */
final class Stopped {
    private volatile String reason;
    private volatile Consumer<String> listener = r -> {};

    void onFatal(Consumer<String> listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Throws if the store has stopped. */
    void check() {
        String r = reason;
        if (r != null) {
            throw new StoreUnavailableException(r, null);
        }
    }

    /** Stops the store for {@code why}, unless it stopped already; the exception names the first reason. */
    StoreUnavailableException stop(String why, Throwable cause) {
        boolean first;
        synchronized (this) {
            first = reason == null;
            if (first) {
                reason = why;
            }
        }
        if (first) {
            listener.accept(why);
        }
        return new StoreUnavailableException(reason, cause);
    }
}
