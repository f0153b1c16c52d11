package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentIdsTest {
    private static final long DAY = Duration.ofDays(1).toMillis();

    @TempDir
    Path dir;

    @Test
    void idsAreKeptForAtLeastAWeekOfStoreTimeAndDroppedWithTheirWholeMapAfterTwo() throws Exception {
        RocksEngine mv = RocksEngine.open(dir);
        AtomicLong storeMillis = new AtomicLong(3 * DAY);
        SentIds ids = new SentIds(mv, storeMillis::get);
        ids.put("alice:m1", 7);
        assertThat(ids.get("alice:m1")).isEqualTo(7);
        assertThat(ids.get("alice:m2")).isNull();

        storeMillis.addAndGet(7 * DAY);
        assertThat(ids.get("alice:m1")).as("a week later").isEqualTo(7);
        ids.put("alice:m2", 8);

        storeMillis.addAndGet(7 * DAY);
        assertThat(ids.get("alice:m1")).as("two weeks later").isNull();
        assertThat(ids.get("alice:m2")).isEqualTo(8);
        assertThat(mv.mapNames().stream().filter(n -> n.startsWith(SentIds.PREFIX)))
                .hasSize(2);
        mv.close();
    }

    /** The store's time counts only time the store was open, by the monotonic clock: the wall clock plays no part. */
    @Test
    void storeTimeGoesOnFromWhereItWasSavedAndIgnoresTheWallClock() {
        MvStoreEngine mv = MvStoreEngine.inMemory();
        StoreMap<String, String> meta = mv.openMap("meta");
        AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
        StoreClock clock = new StoreClock(meta, nanos::get);
        assertThat(clock.millis()).isZero();
        nanos.addAndGet(Duration.ofHours(5).toNanos());
        assertThat(clock.millis()).isEqualTo(Duration.ofHours(5).toMillis());

        // Reopened in another process whose monotonic clock starts anywhere, say far lower.
        AtomicLong later = new AtomicLong(42);
        StoreClock reopened = new StoreClock(meta, later::get);
        assertThat(reopened.millis()).isEqualTo(Duration.ofHours(5).toMillis());
        later.addAndGet(Duration.ofSeconds(3).toNanos());
        assertThat(reopened.millis())
                .isEqualTo(Duration.ofHours(5).plusSeconds(3).toMillis());
        mv.close();
    }
}
