package dev.spartan.store;

/** The store cannot be opened; the message is one line that tells the operator what to do. */
public final class StoreOpenException extends RuntimeException {
    public StoreOpenException(String message, Throwable cause) {
        super(message, cause);
    }
}
