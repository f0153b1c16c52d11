package dev.spartan.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * An exact sliding-window-log limiter for one process: per key it keeps the times of the calls admitted within the last
 * window, so at most {@code maxCalls} are admitted in any interval of length {@code window}, even across a window
 * boundary. Each key's log is updated inside {@link ConcurrentHashMap#compute}, which makes check-and-record atomic per
 * key and lets an idle key be dropped (by returning {@code null}) without racing a concurrent call. Idle keys are swept
 * at most once per window, so memory follows the users active in the last window.
 */
public final class LocalRateLimiter implements RateLimiter {

    /**
     * Admitted timestamps of one key, oldest first, in a ring buffer that grows on demand up to {@code maxCalls}
     * slots: most users stay far below a generous limit, so allocating {@code maxCalls} slots up front would waste
     * memory (or, for a huge limit, exhaust it).
     */
    private static final class Log {
        private static final int INITIAL_SLOTS = 4;
        long[] times;
        int start;
        int size;

        Log(int maxCalls) {
            times = new long[Math.min(maxCalls, INITIAL_SLOTS)];
        }

        long oldest() {
            return times[start];
        }

        void dropOldest() {
            start = (start + 1) % times.length;
            size--;
        }

        /** Callers never add more than maxCalls entries, so growth stops at maxCalls slots. */
        void add(long t, int maxCalls) {
            if (size == times.length) {
                long[] bigger = new long[(int) Math.min(maxCalls, 2L * times.length)];
                for (int i = 0; i < size; i++) {
                    bigger[i] = times[(start + i) % times.length];
                }
                times = bigger;
                start = 0;
            }
            times[(start + size) % times.length] = t;
            size++;
        }

        /** Forgets one admitted call made at {@code t}, the newest such one; false if none is left. */
        boolean remove(long t) {
            for (int i = size - 1; i >= 0; i--) {
                if (times[(start + i) % times.length] == t) {
                    for (int j = i; j < size - 1; j++) {
                        times[(start + j) % times.length] = times[(start + j + 1) % times.length];
                    }
                    size--;
                    return true;
                }
            }
            return false;
        }

        /** Forgets calls that left the window: those made {@code window} or longer ago. */
        void trim(long now, long windowNanos) {
            while (size > 0 && now - oldest() >= windowNanos) {
                dropOldest();
            }
        }
    }

    private final RateLimitConfig config;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Log> logs = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep;

    public LocalRateLimiter(RateLimitConfig config) {
        this(config, System::nanoTime);
    }

    /** @param nanoTime a monotonic clock in nanoseconds (tests pass a fake one) */
    public LocalRateLimiter(RateLimitConfig config, LongSupplier nanoTime) {
        this.config = Objects.requireNonNull(config, "config");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.windowNanos = config.window().toNanos();
        this.nextSweep = new AtomicLong(nanoTime.getAsLong() + windowNanos);
    }

    @Override
    public Decision tryAcquire(String key) {
        Objects.requireNonNull(key, "key");
        long now = nanoTime.getAsLong();
        Decision[] result = new Decision[1];
        logs.compute(key, (k, log) -> {
            if (log == null) {
                log = new Log(config.maxCalls());
            }
            log.trim(now, windowNanos);
            if (log.size < config.maxCalls()) {
                log.add(now, config.maxCalls());
                result[0] = Decision.allow(() -> logs.computeIfPresent(key, (k2, l) -> {
                    l.remove(now);
                    return l;
                }));
            } else {
                result[0] = Decision.deny(Duration.ofNanos(log.oldest() + windowNanos - now));
            }
            return log;
        });
        sweepIfDue(now);
        return result[0];
    }

    @Override
    public RateLimitConfig config() {
        return config;
    }

    /** Number of keys currently remembered; for tests. */
    int trackedKeys() {
        return logs.size();
    }

    /** Drops every key whose log is empty once trimmed; one thread per window does it, the others skip. */
    void sweepIfDue(long now) {
        long due = nextSweep.get();
        if (now - due < 0 || !nextSweep.compareAndSet(due, now + windowNanos)) {
            return;
        }
        for (String key : logs.keySet()) {
            logs.computeIfPresent(key, (k, log) -> {
                log.trim(now, windowNanos);
                return log.size == 0 ? null : log;
            });
        }
    }
}
