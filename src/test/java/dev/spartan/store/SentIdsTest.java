package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;

class SentIdsTest {
    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-25T12:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void idsAreKeptForAtLeastAWeekAndDroppedWithTheirWholeMapAfterTwo() {
        MVStore mv = new MVStore.Builder().open();
        ManualClock clock = new ManualClock();
        SentIds ids = new SentIds(mv, clock);
        ids.put("alice:m1", 7);
        assertThat(ids.get("alice:m1")).isEqualTo(7);
        assertThat(ids.get("alice:m2")).isNull();

        clock.now = clock.now.plus(Duration.ofDays(7));
        assertThat(ids.get("alice:m1")).as("a week later").isEqualTo(7);
        ids.put("alice:m2", 8);

        clock.now = clock.now.plus(Duration.ofDays(7));
        assertThat(ids.get("alice:m1")).as("two weeks later").isNull();
        assertThat(ids.get("alice:m2")).isEqualTo(8);
        assertThat(mv.getMapNames().stream().filter(n -> n.startsWith("sent-"))).hasSize(2);
        mv.close();
    }
}
