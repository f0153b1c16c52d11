package dev.spartan.store;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The message ids each sender has had accepted, so that a resent copy is stored once. A client resends only what it
 * has not seen acknowledged, within minutes, so ids need not be kept for ever: like the Redis store's 7-day expiry,
 * they are kept in one map per week of the store's own time ({@link StoreClock}), and only this week's and last
 * week's maps are kept (7 to 14 days). Dropping a whole old map costs nothing per id, where expiring ids one by one
 * would mean a second index and a sweep; and as the weeks are the store's, a jump of the wall clock forgets nothing.
 */
final class SentIds {
    private static final long WEEK_MILLIS = Duration.ofDays(7).toMillis();
    static final String PREFIX = "sent-ids-";

    private record Weeks(long week, StoreMap<String, Long> current, StoreMap<String, Long> previous) {}

    private final StoreEngine engine;
    private final LongSupplier storeMillis;
    private volatile Weeks weeks;

    SentIds(StoreEngine engine, LongSupplier storeMillis) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.storeMillis = Objects.requireNonNull(storeMillis, "storeMillis");
    }

    /** The chat sequence number the id got when it was accepted, or null. */
    Long get(String senderAndId) {
        Weeks w = weeks();
        Long seq = w.current().get(senderAndId);
        return seq != null ? seq : w.previous().get(senderAndId);
    }

    void put(String senderAndId, long chatSeq) {
        weeks().current().put(senderAndId, chatSeq);
    }

    private Weeks weeks() {
        long week = Math.floorDiv(storeMillis.getAsLong(), WEEK_MILLIS);
        Weeks w = weeks;
        if (w != null && w.week() == week) {
            return w;
        }
        synchronized (this) {
            w = weeks;
            if (w == null || w.week() != week) {
                w = new Weeks(week, engine.openMap(PREFIX + week), engine.openMap(PREFIX + (week - 1)));
                for (String name : engine.mapNames()) {
                    if (name.startsWith(PREFIX) && Long.parseLong(name.substring(PREFIX.length())) < week - 1) {
                        engine.removeMap(name);
                    }
                }
                weeks = w;
            }
            return w;
        }
    }
}
