package dev.spartan.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * The answer of a {@link RateLimiter}: admitted, or denied with the time until the next call could be admitted. An
 * admitted call can be {@linkplain #refund() given back} when it turned out not to count.
 */
public record Decision(boolean allowed, Duration retryAfter, Runnable undo) {

    private static final Decision ALLOW = new Decision(true, Duration.ZERO, Decision::nothing);

    public Decision {
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(undo, "undo");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
        }
        if (allowed && !retryAfter.isZero()) {
            throw new IllegalArgumentException("an admitted call has no retry delay");
        }
    }

    public static Decision allow() {
        return ALLOW;
    }

    /** Admitted; {@code undo} takes the call out of the count again. */
    public static Decision allow(Runnable undo) {
        return new Decision(true, Duration.ZERO, undo);
    }

    public static Decision deny(Duration retryAfter) {
        return new Decision(false, retryAfter, Decision::nothing);
    }

    private static void nothing() {}

    /** Takes an admitted call out of the limiter's count, as if it had never been made. Best effort. */
    public void refund() {
        undo.run();
    }
}
