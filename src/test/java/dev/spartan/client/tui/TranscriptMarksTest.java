package dev.spartan.client.tui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.client.SendState;
import dev.spartan.contract.ChatIds;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The server's answer to a send and the peer's receipt travel separately: a STORED that arrives after the peer's
 * receipt must not turn ●● (or ✓✓) back into ✓.
 */
class TranscriptMarksTest {
    private static final Clock NOON = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"), ZoneOffset.UTC);

    private final RecordingScreen screen = new RecordingScreen();
    private final Transcript transcript = new Transcript(
            screen, Look.terminal(false, true, NOON), "alice", () -> ChatIds.toUser("bob"), c -> true, l -> {});

    @Test
    void aLateStoredKeepsTheReadMark() {
        transcript.typed(ChatIds.toUser("bob"), "Lunch at noon?", () -> "m1");
        transcript.state("m1", SendState.READ);
        transcript.state("m1", SendState.STORED);
        transcript.state("m1", SendState.DELIVERED);
        assertThat(screen.rewrites).containsExactly("m1@0:6=●●");
    }

    @Test
    void deliveredThenReadAdvancesAndALateStoredIsDropped() {
        transcript.typed(ChatIds.toUser("bob"), "See you", () -> "m2");
        transcript.state("m2", SendState.DELIVERED);
        transcript.state("m2", SendState.STORED);
        transcript.state("m2", SendState.READ);
        assertThat(screen.rewrites).containsExactly("m2@0:6=✓✓", "m2@0:6=●●");
    }

    @Test
    void onlyAPeersConfirmationIsSticky() {
        assertThat(SendState.STORED.replaces(SendState.QUEUED)).isTrue();
        assertThat(SendState.QUEUED.replaces(SendState.KEPT)).isTrue();
        assertThat(SendState.EXPIRED.replaces(SendState.STORED)).isTrue();
        assertThat(SendState.READ.replaces(SendState.DELIVERED)).isTrue();
        assertThat(SendState.STORED.replaces(SendState.DELIVERED)).isFalse();
        assertThat(SendState.DELIVERED.replaces(SendState.READ)).isFalse();
        assertThat(SendState.STORED.replaces(SendState.READ)).isFalse();
    }
}
