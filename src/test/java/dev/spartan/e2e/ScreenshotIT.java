package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.Tmux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A three-user session in real terminals, saved for a reviewer: {@code target/screens/NAME.txt} is
 * {@code tmux capture-pane -e} (colours as escape sequences: {@code cat} it in a terminal), and
 * {@code NAME.plain.txt} the same screen as plain text.
 */
class ScreenshotIT extends OneNodeTest {
    private static final Path SCREENS = Path.of("target", "screens");

    @Test
    void threeUsersChatting() throws IOException {
        try (Tmux tmux = new Tmux()) {
            Tmux.Pane alice = tmux.client("alice", keys(), server.port(), 100, 18);
            Tmux.Pane bob = tmux.client("bob", keys(), server.port(), 100, 18);
            Tmux.Pane charlie = tmux.client("charlie", keys(), server.port(), 100, 18);
            for (Tmux.Pane p : List.of(alice, bob, charlie)) {
                p.awaitText(ENTER_USER.strip(), Tmux.START);
            }
            alice.enter("bob");
            bob.awaitText("alice is requesting to chat with you");
            bob.enter("yes");
            alice.awaitText("[Spartan] bob accepted your chat request.");
            alice.enter("Hey Bob! Lunch at noon?");
            bob.awaitText("[alice] Hey Bob! Lunch at noon?");
            bob.enter("Sure. The usual place?");
            alice.awaitText("[bob] Sure. The usual place?");

            charlie.enter("/group group1");
            charlie.awaitText("[Spartan] You are now ready to chat in group1");
            charlie.enter("Who is in for Friday's release party?");
            alice.awaitText("[group1] [charlie] Who is in for Friday's release party?");
            charlie.enter("/chat alice");
            alice.awaitText("charlie is requesting to chat with you: /accept charlie or /decline charlie.");

            alice.enter("Yes, the usual place.");
            bob.awaitText("[alice] Yes, the usual place.");
            alice.awaitText("✓✓ [alice] Yes, the usual place.");
            alice.awaitScreen(
                    "the right prompt",
                    s -> s.stream().anyMatch(l -> l.startsWith("[alice] > ") && l.endsWith("to bob · group1 1")),
                    Duration.ofSeconds(20));
            alice.type("See you th");
            alice.awaitText("[alice] > See you th");

            Files.createDirectories(SCREENS);
            for (Map.Entry<String, Tmux.Pane> e :
                    Map.of("alice", alice, "bob", bob, "charlie", charlie).entrySet()) {
                Files.writeString(
                        SCREENS.resolve(e.getKey() + ".txt"), e.getValue().screenWithColours());
                Files.writeString(
                        SCREENS.resolve(e.getKey() + ".plain.txt"), e.getValue().dump() + "\n");
            }

            String coloured = alice.screenWithColours();
            assertThat(coloured).contains("\u001B[");
            List<String> plain = alice.screen();
            assertThat(plain).anyMatch(l -> l.matches("\\d\\d:\\d\\d ✓✓ \\[alice] Hey Bob! Lunch at noon\\?"));
            assertThat(plain).anyMatch(l -> l.matches("\\d\\d:\\d\\d {4}\\[bob] Sure\\. The usual place\\?"));
            assertThat(plain).anyMatch(l -> l.startsWith("[alice] > See you th") && l.endsWith("to bob · group1 1"));
        }
    }
}
