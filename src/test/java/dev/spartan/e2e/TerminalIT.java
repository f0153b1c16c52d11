package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.SpartanJar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        Path tmux = Path.of("/usr/bin/tmux");
        assertThat(Files.isExecutable(tmux))
                .as("tmux not found: install it with `apt-get install -y tmux` (the README test command does this)")
                .isTrue();
        try (ServerProcess server = new ServerProcess(dir.resolve("s"), ServerProcess.defaultConfig());
                ClientProcess bob = new ClientProcess("bob", dir.resolve("keys"), server.port())) {
            String session = "spartan-" + server.port();
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            run(
                    tmux.toString(),
                    "new-session",
                    "-d",
                    "-s",
                    session,
                    "-x",
                    "120",
                    "-y",
                    "20",
                    java + " -jar " + SpartanJar.path() + " client alice --port " + server.port() + " --keys "
                            + dir.resolve("keys/alice"));
            try {
                awaitScreen(tmux, session, Chats.ENTER_USER.strip());
                run(tmux.toString(), "send-keys", "-t", session, "bob", "Enter");
                awaitScreen(tmux, session, "[Spartan] You are now ready to chat with bob.");
                bob.out().awaitRaw(Chats.requestPrompt("alice"));
                bob.type("yes");
                awaitScreen(tmux, session, "[Spartan] bob accepted your chat request.");

                run(tmux.toString(), "send-keys", "-t", session, "-l", "half typ");
                awaitScreen(tmux, session, "[alice] > half typ");
                bob.type("Hi Alice!");
                awaitScreen(tmux, session, "[bob] Hi Alice!");
                List<String> screen = screen(tmux, session);
                int incoming = screen.indexOf("[bob] Hi Alice!");
                assertThat(incoming).as("screen:\n" + String.join("\n", screen)).isNotNegative();
                assertThat(screen.subList(incoming + 1, screen.size()))
                        .as("screen:\n" + String.join("\n", screen))
                        .contains("[alice] > half typ");

                run(tmux.toString(), "send-keys", "-t", session, "-l", "ed");
                run(tmux.toString(), "send-keys", "-t", session, "Enter");
                bob.awaitLine("[alice] half typed");
            } finally {
                run(tmux.toString(), "kill-session", "-t", session);
            }
        }
    }

    private static void awaitScreen(Path tmux, String session, String text) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> screen(tmux, session).stream().anyMatch(l -> l.contains(text)));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    "tmux screen never showed \"" + text + "\"; it shows:\n" + String.join("\n", screen(tmux, session)),
                    e);
        }
    }

    private static List<String> screen(Path tmux, String session) throws IOException, InterruptedException {
        return run(tmux.toString(), "capture-pane", "-p", "-t", session)
                .lines()
                .map(String::stripTrailing)
                .toList();
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }
}
