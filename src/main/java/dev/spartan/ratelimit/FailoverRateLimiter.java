package dev.spartan.ratelimit;

import io.lettuce.core.RedisException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uses a shared (Redis) limiter while it answers and a per-process fallback while it does not: {@link FailMode#OPEN}
 * lets the local limiter decide (a per-process limit, never none), {@link FailMode#CLOSED} denies every call with a 1 s
 * retry delay. Calls the primary admits are also recorded in the fallback, so a failover hands no one a fresh burst,
 * yet the fallback never denies what the primary would admit. After a failure the primary is skipped for
 * {@code retryPrimaryAfter} (default 1 s), so calls do not each wait out a dead Redis's timeout, and only entering and
 * leaving degraded mode is logged.
 */
public final class FailoverRateLimiter implements RateLimiter {

    /** What to do when the primary cannot answer. */
    public enum FailMode {
        OPEN,
        CLOSED
    }

    static final Duration CLOSED_RETRY_AFTER = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_PRIMARY_AFTER = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(FailoverRateLimiter.class);

    private final RateLimiter primary;
    private final RateLimiter fallback;
    private final FailMode mode;
    private final long retryPrimaryNanos;
    private final LongSupplier nanoTime;
    private final AtomicBoolean degraded = new AtomicBoolean();
    private volatile long skipPrimaryUntil;

    public FailoverRateLimiter(RateLimiter primary, RateLimiter fallback, FailMode mode) {
        this(primary, fallback, mode, DEFAULT_RETRY_PRIMARY_AFTER, System::nanoTime);
    }

    /** @param retryPrimaryAfter how long to skip the primary after it failed; zero retries it on every call */
    public FailoverRateLimiter(
            RateLimiter primary,
            RateLimiter fallback,
            FailMode mode,
            Duration retryPrimaryAfter,
            LongSupplier nanoTime) {
        this.primary = Objects.requireNonNull(primary, "primary");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        Objects.requireNonNull(retryPrimaryAfter, "retryPrimaryAfter");
        if (retryPrimaryAfter.isNegative()) {
            throw new IllegalArgumentException("retryPrimaryAfter must not be negative");
        }
        if (!primary.config().equals(fallback.config())) {
            // Otherwise the limit users see would silently change whenever Redis hiccups.
            throw new IllegalArgumentException("primary and fallback must enforce the same limit: " + primary.config()
                    + " vs " + fallback.config());
        }
        this.retryPrimaryNanos = retryPrimaryAfter.toNanos();
        this.skipPrimaryUntil = nanoTime.getAsLong();
    }

    @Override
    public Decision tryAcquire(String key) {
        Objects.requireNonNull(key, "key");
        long now = nanoTime.getAsLong();
        if (!degraded.get() || now - skipPrimaryUntil >= 0) {
            try {
                Decision decision = primary.tryAcquire(key);
                if (degraded.compareAndSet(true, false)) {
                    log.info("Rate limiter recovered: the shared limiter answers again");
                }
                if (decision.allowed()) {
                    Decision recorded = fallback.tryAcquire(key);
                    return Decision.allow(() -> {
                        recorded.refund();
                        decision.refund();
                    });
                }
                return decision;
            } catch (RateLimiterUnavailableException | RedisException e) {
                skipPrimaryUntil = now + retryPrimaryNanos;
                if (degraded.compareAndSet(false, true)) {
                    log.warn(
                            "Rate limiter degraded ({}): shared limiter unavailable, {} until it answers: {}",
                            mode,
                            mode == FailMode.OPEN ? "using per-process limits" : "denying all limited calls",
                            e.toString());
                }
            }
        }
        return mode == FailMode.OPEN ? fallback.tryAcquire(key) : Decision.deny(CLOSED_RETRY_AFTER);
    }

    /** True while the primary is considered down. */
    @Override
    public boolean degraded() {
        return degraded.get();
    }

    @Override
    public RateLimitConfig config() {
        return primary.config();
    }

    /** Closes both limiters; neither owns the Redis connection, so this does not close it. */
    @Override
    public void close() {
        try {
            primary.close();
        } finally {
            fallback.close();
        }
    }
}
