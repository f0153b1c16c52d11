package dev.spartan.store;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The embedded store's own time: milliseconds the store has been open, summed over its whole life, counted with the
 * monotonic clock and saved in the file as it goes. The wall clock plays no part, so setting it back or forward does
 * not make the store forget (or keep) anything early; time while the node is down does not count.
 */
final class StoreClock {
    private static final String KEY = "clock";
    private static final long SAVE_EVERY_MILLIS = 1_000;

    private final StoreMap<String, String> meta;
    private final LongSupplier nanoTime;
    private final long base;
    private final long startNanos;
    private volatile long saved;

    StoreClock(StoreMap<String, String> meta, LongSupplier nanoTime) {
        this.meta = Objects.requireNonNull(meta, "meta");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.base = Long.parseLong(meta.getOrDefault(KEY, "0"));
        this.startNanos = nanoTime.getAsLong();
        this.saved = base;
    }

    long millis() {
        long now = base + (nanoTime.getAsLong() - startNanos) / 1_000_000;
        if (now - saved >= SAVE_EVERY_MILLIS) {
            synchronized (this) {
                if (now > saved) {
                    meta.put(KEY, Long.toString(now));
                    saved = now;
                }
            }
        }
        return now;
    }
}
