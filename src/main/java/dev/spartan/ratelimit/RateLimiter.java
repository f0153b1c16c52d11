package dev.spartan.ratelimit;

/**
 * Admits or denies one call for a key (a user name). Implementations are thread-safe.
 *
 * <p>{@link #config()} is part of the contract so that whoever reports a denial (the gRPC interceptor) can say what
 * the limit is without a second, possibly inconsistent, source of truth.
 */
public interface RateLimiter extends AutoCloseable {

    /** Counts the call if admitted (until {@link Decision#refund()}); a denied call is not counted. */
    Decision tryAcquire(String key);

    /** The limit this limiter enforces. */
    RateLimitConfig config();

    /** True while the limiter runs on a fallback because its shared store does not answer. */
    default boolean degraded() {
        return false;
    }

    @Override
    default void close() {}
}
