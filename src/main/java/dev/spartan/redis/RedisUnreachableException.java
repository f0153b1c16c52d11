package dev.spartan.redis;

/** Redis did not accept a connection within the time a starting node waits for it. */
public final class RedisUnreachableException extends RuntimeException {
    public RedisUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
