package dev.spartan.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A tmux server of its own (its own socket, so parallel test runs never share or kill each other's sessions) with
 * one session per client: real terminals, read back with {@code capture-pane}.
 */
public final class Tmux implements AutoCloseable {
    private static final Path TMUX = Path.of("/usr/bin/tmux");
    private static final AtomicInteger SOCKETS = new AtomicInteger();
    private static final AtomicInteger SESSIONS = new AtomicInteger();
    /** A JVM starts slowly on a loaded machine: the first screen may take this long. */
    public static final Duration START = Duration.ofSeconds(90);

    private final String socket = "spartan-test-" + ProcessHandle.current().pid() + "-" + SOCKETS.incrementAndGet();

    public Tmux() {
        assertThat(Files.isExecutable(TMUX))
                .as("tmux not found: install it with `apt-get install -y tmux` (./spartan test does this)")
                .isTrue();
    }

    /**
     * Starts {@code spartan client USER} in a new session {@code width} x {@code height}. When the client exits the
     * pane shows {@code [exit N]} and stays, so a test can read its last words.
     */
    public Pane client(String user, Path keysRoot, int port, int width, int height, String... extraArgs) {
        List<String> cmd = new ArrayList<>(SpartanJar.command().command());
        cmd.addAll(List.of(
                "client",
                user,
                "--port",
                String.valueOf(port),
                "--keys",
                keysRoot.resolve(user).toString()));
        cmd.addAll(List.of(extraArgs));
        String line = cmd.stream().map(Tmux::quote).collect(Collectors.joining(" "));
        String shell = "unset NO_COLOR; " + line + "; echo \"[exit $?]\"; exec sleep 3600";
        String session = user + "-" + SESSIONS.incrementAndGet();
        run("new-session", "-d", "-s", session, "-x", String.valueOf(width), "-y", String.valueOf(height), shell);
        return new Pane(session);
    }

    public Pane client(String user, Path keysRoot, int port, String... extraArgs) {
        return client(user, keysRoot, port, 120, 30, extraArgs);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    String run(String... args) {
        List<String> cmd = new ArrayList<>(List.of(TMUX.toString(), "-L", socket));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        run("kill-server");
    }

    /** One client's terminal. */
    public final class Pane {
        private final String session;

        private Pane(String session) {
            this.session = session;
        }

        /** The visible screen, one string per row, trailing blanks removed. */
        public List<String> screen() {
            return run("capture-pane", "-p", "-t", session)
                    .lines()
                    .map(String::stripTrailing)
                    .toList();
        }

        /** The visible screen with its colours and attributes as escape sequences (capture-pane -e). */
        public String screenWithColours() {
            return run("capture-pane", "-p", "-e", "-t", session);
        }

        /** Types text as it is, without pressing Enter. */
        public Pane type(String text) {
            run("send-keys", "-t", session, "-l", text);
            return this;
        }

        /** Presses keys by tmux name: Enter, C-c, C-d, Tab ... */
        public Pane press(String... keys) {
            List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
            args.addAll(List.of(keys));
            run(args.toArray(String[]::new));
            return this;
        }

        /** Types a line and presses Enter. */
        public Pane enter(String line) {
            type(line);
            return press("Enter");
        }

        public void awaitText(String text) {
            awaitScreen("\"" + text + "\"", s -> s.stream().anyMatch(l -> l.contains(text)), Duration.ofSeconds(40));
        }

        public void awaitText(String text, Duration timeout) {
            awaitScreen("\"" + text + "\"", s -> s.stream().anyMatch(l -> l.contains(text)), timeout);
        }

        public void awaitScreen(String what, Predicate<List<String>> condition, Duration timeout) {
            try {
                await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> condition.test(screen()));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(
                        session + "'s screen never showed " + what + "; it shows:\n" + String.join("\n", screen()), e);
            }
        }

        /** The last row that is not blank (the input line, on a client's terminal), or "". */
        public String lastRow() {
            List<String> s = screen();
            for (int i = s.size() - 1; i >= 0; i--) {
                if (!s.get(i).isBlank()) {
                    return s.get(i);
                }
            }
            return "";
        }

        /** The last row that contains {@code text}, or -1. */
        public int rowWith(String text) {
            List<String> s = screen();
            for (int i = s.size() - 1; i >= 0; i--) {
                if (s.get(i).contains(text)) {
                    return i;
                }
            }
            return -1;
        }

        /** The title the program in the pane gave its window (OSC 0/2). */
        public String title() {
            return run("display-message", "-p", "-t", session, "#{pane_title}").strip();
        }

        public String dump() {
            return String.join("\n", screen());
        }
    }
}
