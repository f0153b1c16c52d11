package dev.spartan.store;

/**
 * How much a pending chat may hold before the other side accepts: at most {@code messages} messages taking at most
 * {@code bytes} bytes as stored.
 */
public record HoldLimit(int messages, long bytes) {
    public static final HoldLimit NONE = new HoldLimit(Integer.MAX_VALUE, Long.MAX_VALUE);

    public HoldLimit {
        if (messages < 1 || bytes < 1) {
            throw new IllegalArgumentException("a hold limit must allow at least one message and one byte");
        }
    }

    boolean admits(long heldMessages, long heldBytes, long moreBytes) {
        return heldMessages < messages && heldBytes + moreBytes <= bytes;
    }
}
