package dev.spartan.ratelimit;

import java.time.Duration;
import java.util.Objects;

/** The answer of a {@link RateLimiter}: admitted, or denied with the time until the next call could be admitted. */
public record Decision(boolean allowed, Duration retryAfter) {

    private static final Decision ALLOW = new Decision(true, Duration.ZERO);

    public Decision {
        Objects.requireNonNull(retryAfter, "retryAfter");
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

    public static Decision deny(Duration retryAfter) {
        return new Decision(false, retryAfter);
    }
}
