package dev.spartan.chat;

import dev.spartan.proto.ChatMessage;
import java.util.function.LongConsumer;

/**
 * Disappearing messages on the server (issue 26): a message sent with {@code expire_after_seconds} carries the
 * instant it must be gone, and the retention sweep deletes every copy then.
 */
final class Disappearing {
    /** A year: longer timers are a mistake, not a wish. */
    static final int MAX_SECONDS = 365 * 24 * 3600;

    private Disappearing() {}

    static void validate(long seconds) {
        if (seconds < 0 || seconds > MAX_SECONDS) {
            throw Refusal.invalid("expire_after_seconds must be from 0 (never) to " + MAX_SECONDS + " (a year)");
        }
    }

    /** Sets the message's expiry from its send time, and says when it comes. */
    static void stamp(ChatMessage.Builder m, long seconds, LongConsumer expiring) {
        if (seconds > 0) {
            long at = m.getSentAtMillis() + seconds * 1000;
            m.setExpiresAtMillis(at);
            expiring.accept(at);
        }
    }
}
