package dev.spartan.client.tui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.client.SendState;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.AttachmentPointer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A transfer on a terminal is one line: printed once, its progress figure and delivery mark rewritten where they are
 * (TerminalScreen does the rewriting under JLine's lock, as for every mark), never a new line per step.
 */
class FileLinesTest {
    private static final Clock NOON = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"), ZoneOffset.UTC);

    private final RecordingScreen screen = new RecordingScreen();
    private final Transcript transcript = new Transcript(
            screen, Look.terminal(false, true, NOON), "alice", () -> ChatIds.toUser("bob"), c -> true, l -> {});
    private final FileLines lines = new FileLines(transcript);
    private final AttachmentPointer report = AttachmentPointer.newBuilder()
            .setName("report.pdf")
            .setSize(1_200_000)
            .setBlobId("b1")
            .build();

    @Test
    void anUploadIsOneLineWhoseFigureAndMarkAreRewrittenInPlace() {
        lines.sending(ChatIds.toUser("bob"), "m1", report, 0);
        assertThat(screen.printed).containsExactly("12:00 ·· [alice] report.pdf (1.2 MB)   0%");
        int figure = screen.printed.get(0).length() - 4;
        for (int p : List.of(1, 45, 100)) {
            lines.progress("m1", p);
        }
        transcript.state("m1", SendState.DELIVERED);
        assertThat(screen.printed).as("no line per step").hasSize(1);
        assertThat(screen.rewrites)
                .containsExactly(
                        "m1#progress@0:" + figure + "=  1%",
                        "m1#progress@0:" + figure + "= 45%",
                        "m1#progress@0:" + figure + "=100%",
                        "m1@0:6=✓✓");
    }

    @Test
    void aDownloadIsOneNoticeWithItsFigureAtTheEnd() {
        lines.saving(
                new dev.spartan.client.Attachments.Entry(1, "bob", ChatIds.toUser("bob"), report, "not saved"),
                java.nio.file.Path.of("/tmp/in"),
                0);
        lines.progress("b1", 50);
        assertThat(screen.printed)
                .containsExactly("12:00    [Spartan] report.pdf (1.2 MB) from bob: saving to /tmp/in   0%");
        assertThat(screen.rewrites)
                .containsExactly("b1#progress@0:" + (screen.printed.get(0).length() - 4) + "= 50%");
    }

    @Test
    void aFailedUploadsMarkTurnsToACross() {
        lines.sending(ChatIds.toUser("bob"), "m2", report, 40);
        lines.failed("m2", "report.pdf (1.2 MB) not sent: ...");
        assertThat(screen.printed).containsExactly("12:00 ·· [alice] report.pdf (1.2 MB)  40%");
        assertThat(screen.rewrites).containsExactly("m2@0:6=✗ ");
    }
}
