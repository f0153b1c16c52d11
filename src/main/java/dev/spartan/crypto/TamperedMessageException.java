package dev.spartan.crypto;

/**
 * A sealed message that cannot be opened: modified in transit, not addressed to the reader, or attributed to the
 * wrong sender or conversation. Checked, because every client must decide what to show instead.
 */
public final class TamperedMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public TamperedMessageException(String reason) {
        super(reason);
    }

    public TamperedMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
