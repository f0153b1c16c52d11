package dev.spartan.client.tui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jline.reader.EndOfFileException;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.Test;

/** Plain lines on a pipe: questions are lines of their own, the chat prompt is never printed, output is whole. */
class PipeScreenTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PipedOutputStream typing = new PipedOutputStream();

    private PipeScreen screen() throws IOException {
        return new PipeScreen(new PipedInputStream(typing), out);
    }

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private void type(String line) throws IOException {
        typing.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        typing.flush();
    }

    @Test
    void aQuestionIsALineAndTheChatPromptIsNothing() throws IOException {
        PipeScreen screen = screen();
        type("bob");
        type("Hey Bob!");
        assertThat(screen.readLine(new Prompt("[Spartan] Enter a user whom you want to chat with: ", true), null))
                .isEqualTo("bob");
        assertThat(screen.readLine(new Prompt("[alice] > ", false), null)).isEqualTo("Hey Bob!");
        screen.print(List.of(new AttributedString("[bob] Hi Alice!"), new AttributedString("        and more")));
        assertThat(printed())
                .isEqualTo("[Spartan] Enter a user whom you want to chat with: \n[bob] Hi Alice!\n        and more\n");
    }

    @Test
    void aQuestionAskedWhileTheReadWaitsIsPrintedAndOnlyThen() throws Exception {
        PipeScreen screen = screen();
        assertThat(screen.ifIdle(() -> new Prompt("early?", true), () -> null)).isFalse(); // no read yet
        CompletableFuture<String> read =
                CompletableFuture.supplyAsync(() -> screen.readLine(new Prompt("[alice] > ", false), null));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> screen.ifIdle(() -> new Prompt("[Spartan] alice is requesting ...: ", true), () -> null));
        type("yes");
        assertThat(read.get()).isEqualTo("yes");
        assertThat(printed()).isEqualTo("[Spartan] alice is requesting ...: \n");
    }

    @Test
    void theEndOfInputAndClosingEndEveryRead() throws IOException {
        PipeScreen screen = screen();
        type("last");
        typing.close();
        assertThat(screen.readLine(new Prompt("", false), null)).isEqualTo("last");
        assertThatThrownBy(() -> screen.readLine(new Prompt("", false), null)).isInstanceOf(EndOfFileException.class);
        PipeScreen closed = new PipeScreen(new PipedInputStream(new PipedOutputStream()), out);
        closed.close();
        assertThatThrownBy(() -> closed.readLine(new Prompt("", false), null)).isInstanceOf(EndOfFileException.class);
    }
}
