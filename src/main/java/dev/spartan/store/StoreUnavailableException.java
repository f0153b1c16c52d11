package dev.spartan.store;

/** The store could not be reached (Redis down or too slow). Callers answer UNAVAILABLE and clients retry. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
