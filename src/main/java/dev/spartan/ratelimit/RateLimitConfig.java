package dev.spartan.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * A sliding-window limit: at most {@code maxCalls} admitted calls in any interval of length {@code window}.
 * config.yaml's {@code max_call_per_30_seconds_per_user} becomes {@code new RateLimitConfig(n, Duration.ofSeconds(30))}.
 */
public record RateLimitConfig(int maxCalls, Duration window) {

    public RateLimitConfig {
        Objects.requireNonNull(window, "window");
        if (maxCalls <= 0) {
            throw new IllegalArgumentException("maxCalls must be > 0, got " + maxCalls);
        }
        // Redis stores the window in milliseconds, so anything shorter would round to an instant window.
        if (window.toMillis() <= 0) {
            throw new IllegalArgumentException("window must be at least 1ms, got " + window);
        }
    }

    /** The config.yaml policy: {@code max_call_per_30_seconds_per_user}. */
    public static RateLimitConfig perThirtySeconds(int maxCalls) {
        return new RateLimitConfig(maxCalls, Duration.ofSeconds(30));
    }
}
