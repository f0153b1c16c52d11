package dev.spartan.redis;

/**
 * Redis answered but refused this node: a wrong or missing password, or a TLS certificate the node does not trust.
 * Waiting would not help, so a starting node stops at once with this (exit 2), unlike {@link
 * RedisUnreachableException}.
 */
public final class RedisRefusedException extends RuntimeException {
    public RedisRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
