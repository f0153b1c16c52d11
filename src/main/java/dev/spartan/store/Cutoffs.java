package dev.spartan.store;

/**
 * What a retention sweep removes, as instants in milliseconds since 1970 (the server's send time of a message is
 * compared with them); 0 removes nothing of that kind.
 *
 * @param undelivered messages in an inbox, not yet acknowledged by their reader, sent before this
 * @param held        messages held for a chat request that was never answered, sent before this
 * @param history     messages of conversations' recent history, sent before this
 */
public record Cutoffs(long undelivered, long held, long history) {
    static boolean expired(long sentAtMillis, long cutoff) {
        return cutoff > 0 && sentAtMillis < cutoff;
    }
}
