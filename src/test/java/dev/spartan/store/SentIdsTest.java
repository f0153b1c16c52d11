package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;

class SentIdsTest {
    @Test
    void idsAreKeptForAtLeastAWeekAndDroppedWithTheirWholeMapAfterTwo() {
        MVStore mv = new MVStore.Builder().open();
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
        SentIds ids = new SentIds(mv, clock);
        ids.put("alice:m1", 7);
        assertThat(ids.get("alice:m1")).isEqualTo(7);
        assertThat(ids.get("alice:m2")).isNull();

        clock.advance(Duration.ofDays(7));
        assertThat(ids.get("alice:m1")).as("a week later").isEqualTo(7);
        ids.put("alice:m2", 8);

        clock.advance(Duration.ofDays(7));
        assertThat(ids.get("alice:m1")).as("two weeks later").isNull();
        assertThat(ids.get("alice:m2")).isEqualTo(8);
        assertThat(mv.getMapNames().stream().filter(n -> n.startsWith("sent-"))).hasSize(2);
        mv.close();
    }
}
