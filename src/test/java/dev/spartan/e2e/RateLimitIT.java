package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Typing faster than the limit: the client says so, queues, and every message still arrives once, in order. */
class RateLimitIT extends OneNodeTest {
    /** The shipped config (3 per 30s), with a 3 s window so the test does not wait 30 s per batch. */
    @Override
    protected int rateCount() {
        return 3;
    }

    @Override
    protected Duration rateWindow() {
        return Duration.ofSeconds(3);
    }

    private static final String LIMITED = "[Spartan] Rate limit reached (3 per 3s): message queued, sending in ";

    @Test
    void burstAboveTheLimitIsQueuedAndDeliveredOnceInOrder() {
        try (ClientProcess bob = client("bob");
                ClientProcess alice = client("alice")) {
            Chats.open(alice, bob);

            for (int i = 1; i <= 7; i++) {
                alice.type("m" + i);
            }

            List<String> expected = List.of(
                    "[alice] m1", "[alice] m2", "[alice] m3", "[alice] m4", "[alice] m5", "[alice] m6", "[alice] m7");
            int last = bob.out().awaitLine("[alice] m7", Duration.ofSeconds(30));
            assertThat(alice.out().lines())
                    .anySatisfy(l -> assertThat(l)
                            .startsWith(LIMITED)
                            .matches(java.util.regex.Pattern.quote(LIMITED) + "[1-3]s"));
            List<String> received = bob.out().lines().subList(0, last + 1).stream()
                    .filter(l -> l.startsWith("[alice] "))
                    .toList();
            assertThat(received).containsExactlyElementsOf(expected);
            // Nothing arrives twice later either (a retried send must be stored once), and /history shows the last 5.
            bob.type("/history");
            int header = bob.awaitLine("[Spartan] Recent messages with alice:");
            await().atMost(Duration.ofSeconds(20)).until(() -> bob.out().count("[alice] m7") == 2);
            assertThat(bob.out().lines().subList(header + 1, header + 6))
                    .containsExactlyElementsOf(expected.subList(2, 7));
            assertThat(alice.quit()).isZero();
            assertThat(bob.out().lines())
                    .filteredOn(l -> l.startsWith("[alice] m"))
                    .as("7 live messages, then the 5 of /history")
                    .containsExactlyElementsOf(
                            java.util.stream.Stream.concat(expected.stream(), expected.subList(2, 7).stream())
                                    .toList());
        }
    }
}
