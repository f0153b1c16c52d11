package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.Tmux;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client in a real terminal (tmux): a message that arrives while the user is half-way through a line is printed
 * above the prompt, and the half-typed line stays as it was.
 */
class TerminalIT {
    @TempDir
    Path dir;

    @Test
    void incomingMessageDoesNotGarbleAHalfTypedLine() throws Exception {
        try (TlsNode server = new TlsNode(dir.resolve("s"), ServerProcess.defaultConfig()); // in the test's JVM
                ClientProcess bob = new ClientProcess("bob", dir.resolve("keys"), server.port());
                Tmux tmux = new Tmux()) {
            Tmux.Pane alice = tmux.client("alice", dir.resolve("keys"), server.port(), 120, 20);
            alice.awaitText(Chats.ENTER_USER.strip(), Tmux.START);
            alice.enter("bob");
            alice.awaitText("[Spartan] You are now ready to chat with bob.");
            bob.out().awaitRaw(Chats.requestPrompt("alice"));
            bob.type("yes");
            alice.awaitText("[Spartan] bob accepted your chat request.");

            alice.type("half typ");
            alice.awaitText("[alice] > half typ");
            bob.type("Hi Alice!");
            alice.awaitText("[bob] Hi Alice!");
            List<String> screen = alice.screen();
            int incoming = alice.rowWith("[bob] Hi Alice!"); // after the time and the mark column
            assertThat(incoming).as("screen:\n" + alice.dump()).isNotNegative();
            assertThat(screen.subList(incoming + 1, screen.size()))
                    .as("screen:\n" + alice.dump())
                    .anyMatch(l -> l.startsWith("[alice] > half typ")); // the right prompt may follow

            alice.type("ed");
            alice.press("Enter");
            bob.awaitLine("[alice] half typed");
        }
    }
}
