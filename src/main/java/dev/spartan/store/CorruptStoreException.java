package dev.spartan.store;

/** The store holds something it cannot read: a damaged file or foreign data. Nothing a client can fix. */
public final class CorruptStoreException extends RuntimeException {
    public CorruptStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
