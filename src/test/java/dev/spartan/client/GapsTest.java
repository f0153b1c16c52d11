package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.contract.ChatIds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GapsTest {
    @TempDir
    Path dir;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<String> shown = new CopyOnWriteArrayList<>();
    private final List<String> notices = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private Gaps gaps() throws Exception {
        return new Gaps(new Counters(dir), timer, m -> shown.add(m.text()), notices::add);
    }

    private static Incoming fromAlice(String text) {
        return new Incoming("id-" + text, "alice", ChatIds.toUser("bob"), "alice", text, 0, 0);
    }

    @Test
    void aSkippedNumberIsReportedAfterTheWaitAndWhatCameAfterItIsShown() throws Exception {
        Gaps gaps = gaps();
        gaps.arrived(fromAlice("one"), 1);
        gaps.arrived(fromAlice("three"), 3);
        assertThat(shown).containsExactly("one");
        await().atMost(Duration.ofMillis(Gaps.WAIT_MILLIS + 10_000)).until(() -> shown.size() == 2);
        assertThat(notices).containsExactly("1 message from alice is missing");
        assertThat(shown).containsExactly("one", "three");
        // The missing one arriving late now counts as a replay: not shown out of place.
        gaps.arrived(fromAlice("two"), 2);
        gaps.arrived(fromAlice("four"), 4);
        assertThat(shown).containsExactly("one", "three", "four");
    }

    @Test
    void swappedMessagesAreShownInOrderWithoutAReport() throws Exception {
        Gaps gaps = gaps();
        gaps.arrived(fromAlice("one"), 1);
        gaps.arrived(fromAlice("three"), 3);
        gaps.arrived(fromAlice("two"), 2);
        assertThat(shown).containsExactly("one", "two", "three");
        gaps.arrived(fromAlice("two"), 2);
        assertThat(shown).containsExactly("one", "two", "three");
        assertThat(notices).isEmpty();
    }

    @Test
    void aLostFirstMessageOfAOneToOneChatIsReportedButAGroupStartsWhereTheReaderJoined() throws Exception {
        Gaps gaps = gaps();
        gaps.arrived(fromAlice("two"), 2);
        gaps.arrived(new Incoming("g57", "alice", ChatIds.toGroup("team"), "team", "fifty-seven", 0, 0), 57);
        assertThat(shown).containsExactly("fifty-seven");
        await().atMost(Duration.ofMillis(Gaps.WAIT_MILLIS + 10_000)).until(() -> shown.size() == 2);
        assertThat(notices).containsExactly("1 message from alice is missing");
    }

    @Test
    void countingShowsNothingAndWritesNothingUntilTheCallerSyncs() throws Exception {
        Counters counters = new Counters(dir);
        Gaps gaps = new Gaps(counters, timer, m -> shown.add(m.text()), notices::add);
        List<Incoming> ready = new java.util.ArrayList<>(gaps.counted(fromAlice("one"), 1, "alice"));
        ready.addAll(gaps.counted(fromAlice("three"), 3, "alice"));
        ready.addAll(gaps.counted(fromAlice("two"), 2, "alice"));
        assertThat(ready).extracting(Incoming::text).containsExactly("one", "two", "three");
        assertThat(shown).isEmpty();
        // a crash now: the restarted client still expects 1, so the redelivered messages are shown then
        assertThat(new Counters(dir).expected("alice", "@alice")).isZero();
        counters.sync();
        assertThat(new Counters(dir).expected("alice", "@alice")).isEqualTo(4);
    }

    @Test
    void theNextExpectedNumberSurvivesARestart() throws Exception {
        gaps().arrived(fromAlice("one"), 1);
        Gaps again = gaps();
        again.arrived(fromAlice("one"), 1);
        again.arrived(fromAlice("two"), 2);
        assertThat(shown).containsExactly("one", "two");
    }
}
