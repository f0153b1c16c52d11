package dev.spartan.client;

/** Where one of the user's own messages is on its way to the readers. */
public enum SendState {
    /** In the outbox (on disk if the outbox is durable), not yet stored by the server. */
    QUEUED,
    /** Refused because there is no chat (the peer declined): kept in the outbox until the user asks again or discards it. */
    KEPT,
    /** Stored by the server and delivered to the readers' inboxes. */
    STORED,
    /** Stored by the server, held until the peer accepts the chat request. */
    HELD,
    /** The peer's client confirmed it received the message (an end-to-end encrypted delivery receipt). */
    DELIVERED,
    /** The peer's client showed it in the open chat (an end-to-end encrypted read receipt, opt-in: --read-receipts). */
    READ,
    /** Refused for good (too big, not a member): not sent, and not retried. */
    FAILED,
    /** Stored, then deleted by the server undelivered when it passed the server's retention (or was purged). */
    EXPIRED;

    /**
     * Whether this state may replace {@code current} as what the user sees. A peer's confirmation is never taken
     * back: the server's answer to a send and the peer's receipt travel separately, so STORED can arrive after
     * DELIVERED or READ.
     */
    public boolean replaces(SendState current) {
        return switch (current) {
            case READ -> false;
            case DELIVERED -> this == READ;
            default -> true;
        };
    }
}
