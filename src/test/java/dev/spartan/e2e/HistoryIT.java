package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.OutputLines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LRU of recent messages as a user sees it: after both leave and come back, the last 5 are shown in order. */
class HistoryIT extends OneNodeTest {

    /** The {@code n} lines after the {@code occurrence}-th (from 1) line equal to {@code header}. */
    private static List<String> after(OutputLines out, String header, int occurrence, int n) {
        await().alias("history block " + occurrence + " of " + n + " lines; output:\n" + out.dump())
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    List<String> lines = out.lines();
                    int at = nth(lines, header, occurrence);
                    return at >= 0 && lines.size() > at + n;
                });
        List<String> lines = out.lines();
        int at = nth(lines, header, occurrence);
        return new ArrayList<>(lines.subList(at + 1, at + 1 + n));
    }

    private static int nth(List<String> lines, String line, int occurrence) {
        int seen = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals(line) && ++seen == occurrence) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void lastFiveMessagesAreShownAfterBothReconnect() {
        try (ClientProcess bob = client("bob");
                ClientProcess alice = client("alice")) {
            Chats.open(alice, bob);
            for (int i = 1; i <= 7; i++) {
                boolean fromAlice = i % 2 == 1;
                (fromAlice ? alice : bob).type("m" + i);
                (fromAlice ? bob : alice).awaitLine((fromAlice ? "[alice] " : "[bob] ") + "m" + i);
            }
            alice.type("/quit");
            assertThat(alice.awaitExit()).isZero();
            assertThat(bob.quit()).isZero();
        }

        List<String> lastFive = List.of("[alice] m3", "[bob] m4", "[alice] m5", "[bob] m6", "[alice] m7");
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob")) {
            alice.out().awaitRaw(ENTER_USER);
            alice.type("bob");
            int ready = alice.awaitLine("[Spartan] You are now ready to chat with bob.");
            int header = alice.awaitLine("[Spartan] Recent messages with bob:");
            assertThat(ready).isLessThan(header);
            assertThat(after(alice.out(), "[Spartan] Recent messages with bob:", 1, 5))
                    .containsExactlyElementsOf(lastFive);

            alice.type("/history");
            assertThat(after(alice.out(), "[Spartan] Recent messages with bob:", 2, 5))
                    .containsExactlyElementsOf(lastFive);
            // Nothing older than the last five, and nothing delivered again as a new message.
            assertThat(alice.out().lines()).doesNotContain("[alice] m1", "[bob] m2");
            assertThat(alice.out().lines())
                    .filteredOn(l -> l.matches("\\[(alice|bob)] m\\d"))
                    .hasSize(10);

            bob.out().awaitRaw(ENTER_USER);
            bob.type("alice");
            bob.awaitLine("[Spartan] You are now ready to chat with alice.");
            assertThat(after(bob.out(), "[Spartan] Recent messages with alice:", 1, 5))
                    .containsExactlyElementsOf(lastFive);
            assertThat(bob.out().lines()).doesNotContain("[alice] m1", "[bob] m2");

            // The chat goes on, and the window moves: m8 pushes m3 out.
            bob.type("m8");
            alice.awaitLine("[bob] m8");
            alice.type("/history");
            assertThat(after(alice.out(), "[Spartan] Recent messages with bob:", 3, 5))
                    .containsExactly("[bob] m4", "[alice] m5", "[bob] m6", "[alice] m7", "[bob] m8");
        }
    }
}
