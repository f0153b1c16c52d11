package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.testing.OutputLines;
import dev.spartan.testing.Ports;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.SpartanJar;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store on a disk that misbehaves: a damaged file or a read-only directory stops the start with one
 * line; a write that fails while running (here: the file may not grow, as on a full disk) answers UNAVAILABLE and
 * stops the node with status 3 for a supervisor, and what was acknowledged before is all there after the restart.
 */
class StoreFaultsIT {
    @TempDir
    Path dir;

    private record Run(int exit, String stderr) {}

    private Run server(List<String> prefix, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(SpartanJar.command(args).command());
        Process p = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), err);
    }

    private Path config(Path nodeDir, int port) throws IOException {
        Files.createDirectories(nodeDir);
        Path config = nodeDir.resolve("config-" + port + ".yaml");
        Files.writeString(config, ServerProcess.defaultConfig().replaceFirst("(?m)^port:.*$", "port: " + port));
        return config;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void assertOneLine(Run run, String start, String end) {
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(run.stderr().lines())
                .singleElement()
                .satisfies(l -> assertThat(l).startsWith(start).endsWith(end));
    }

    @Test
    void aDamagedStoreFileStopsTheStartInOneLine() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        byte[] garbage = new byte[20_000];
        new java.util.Random(7).nextBytes(garbage);
        Files.write(data.resolve("spartan.mv"), garbage);
        Run run = server(
                List.of(), "server", "--config", config(dir, Ports.free()).toString(), "--data", data.toString());
        assertOneLine(
                run,
                "spartan server: the store file " + data.resolve("spartan.mv") + " is damaged (",
                "restore it from a backup, or move it away to start with an empty store");
    }

    /** A read-only file system (a tmpfs mounted read-only in a mount namespace of its own): read-only even for root. */
    @Test
    void aReadOnlyDataDirectoryStopsTheStartInOneLine() throws Exception {
        Path data = dir.resolve("readonly");
        Files.createDirectories(data);
        List<String> readOnly = List.of(
                "unshare",
                "root".equals(System.getProperty("user.name")) ? "-m" : "-rm",
                "sh",
                "-c",
                "mount -t tmpfs -o ro,size=64k tmpfs \"$0\" && exec \"$@\"",
                data.toString());
        Run run =
                server(readOnly, "server", "--config", config(dir, Ports.free()).toString(), "--data", data.toString());
        assertOneLine(
                run,
                "spartan server: the data directory " + data + " is read-only",
                "(make it writable, or pass another --data)");
    }

    @Test
    void aWriteThatFailsAnswersUnavailableAndStopsTheNodeAndNothingAcknowledgedIsLost() throws Exception {
        int port = Ports.free();
        Path nodeDir = dir.resolve("node");
        Path config = config(nodeDir, port);
        // The data directory is a 4 MiB tmpfs in a mount namespace of the node's own: a full disk. (A file size limit
        // would also stop libsignal, which writes its native library to /tmp when it loads.) What the node wrote is
        // copied out when it exits, for the restart below.
        Path data = nodeDir.resolve("data");
        Path saved = nodeDir.resolve("saved");
        Files.createDirectories(data);
        Files.createDirectories(saved);
        List<String> command = new ArrayList<>(List.of(
                "unshare",
                "root".equals(System.getProperty("user.name")) ? "-m" : "-rm",
                "sh",
                "-c",
                "d=\"$0\"; s=\"$1\"; shift; mount -t tmpfs -o size=4m tmpfs \"$d\" || exit 1; \"$@\"; code=$?;"
                        + " cp -a \"$d\"/. \"$s\"/; exit $code",
                data.toString()));
        List<String> server = SpartanJar.command(
                        "server", "--config", config.toString(), "--data", data.toString(), "--rate-limit", "1000/1")
                .command();
        command.add(saved.toString()); // $1: where the data is copied to; the server's command follows
        command.addAll(server);
        Path log = nodeDir.resolve("limited.log");
        Process node = new ProcessBuilder(command).redirectError(log.toFile()).start();
        List<String> acknowledged = new ArrayList<>();
        StatusRuntimeException failure = null;
        try {
            new OutputLines("limited", node.getInputStream())
                    .awaitLine("Spartan server started on port " + port + ".", Duration.ofSeconds(30));
            Path keys = dir.resolve("keys");
            try (WireSession alice = WireSession.login("alice", keys.resolve("alice"), port);
                    WireSession bob = WireSession.login("bob", keys.resolve("bob"), port)) {
                alice.stub().requestChat(ChatRequest.newBuilder().setPeer("bob").build());
                bob.stub()
                        .answerChat(ChatAnswer.newBuilder()
                                .setPeer("alice")
                                .setAccept(true)
                                .build());
                for (int i = 0; i < 500 && failure == null; i++) {
                    String text = i + " " + "x".repeat(60_000);
                    try {
                        alice.sendTo("bob", text);
                        acknowledged.add(text);
                    } catch (StatusRuntimeException e) {
                        failure = e;
                    }
                }
            }
            String after = "the node still runs after " + failure + "; its log:\n";
            assertThat(node.waitFor(30, TimeUnit.SECONDS))
                    .as(() -> after + read(log))
                    .isTrue();
        } finally {
            node.destroyForcibly();
        }
        assertThat(failure).isNotNull();
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(acknowledged).hasSizeGreaterThan(10);
        assertThat(node.exitValue()).isEqualTo(3);
        assertThat(Files.readString(log).lines().filter(l -> l.startsWith("spartan server:")))
                .singleElement()
                .satisfies(l -> assertThat(l)
                        .startsWith("spartan server: the embedded store stopped: ")
                        .endsWith("exiting with status 3 so that a supervisor can restart the node"));

        // Restarted as a supervisor would, on a disk with room: everything acknowledged is there, in order.
        Files.delete(data); // empty outside the namespace
        Files.move(saved, data);
        try (ServerProcess again = new ServerProcess(nodeDir, ServerProcess.defaultConfig(), port);
                WireSession bob = WireSession.login("bob", dir.resolve("keys").resolve("bob"), again.port());
                WireSession alice =
                        WireSession.login("alice", dir.resolve("keys").resolve("alice"), again.port())) {
            List<Event> events = bob.events(ReceiveRequest.getDefaultInstance(), acknowledged.size() + 2);
            List<String> texts = new ArrayList<>();
            for (Event e : events) {
                if (e.hasMessage()) {
                    texts.add(WireSession.opaqueText(e.getMessage(), "bob"));
                }
            }
            assertThat(texts).startsWith(acknowledged.toArray(String[]::new));
        }
    }
}
