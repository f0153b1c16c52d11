package dev.spartan.attachments;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One user's upload rate on this node: a token bucket of one second's bytes. It does not refuse; it says how long to
 * wait before reading the next message, so gRPC's flow control slows the client down.
 */
final class UploadPacer {
    private final long bytesPerSecond;
    private final LongSupplier nanoTime;
    /** Per user: the time (nanoTime) at which everything charged so far has been paid for. */
    private final Map<String, Long> paidUntil = new ConcurrentHashMap<>();

    UploadPacer(long bytesPerSecond, LongSupplier nanoTime) {
        this.bytesPerSecond = bytesPerSecond;
        this.nanoTime = nanoTime;
    }

    /** Charges {@code bytes} to {@code user}; returns the nanoseconds to wait before reading more (0: go on). */
    long charge(String user, long bytes) {
        long now = nanoTime.getAsLong();
        long cost = (long) (bytes * 1e9 / bytesPerSecond);
        long burst = 1_000_000_000L; // one second's worth may go at once
        long until = paidUntil.merge(user, now + cost, (old, fresh) -> Math.max(old, now - burst) + cost);
        return Math.max(0, until - now - burst);
    }
}
