package dev.spartan.ratelimit;

/** The shared limiter could not answer (Redis down, timed out, or replied with an error). */
public final class RateLimiterUnavailableException extends RuntimeException {
    public RateLimiterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
