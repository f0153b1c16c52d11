package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OutputLines;
import dev.spartan.testing.Ports;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node of the previous version and a node of this one on one Redis, with a client on each, chat across them with
 * nothing lost; then the old node is replaced by a new one on the same address and data directory, and the chat goes
 * on. Needs the previous version's jar, so it runs only when given one (README, Upgrades and rollback):
 * {@code -Dspartan.previous.jar=/path/to/old/target/spartan.jar} (its {@code native/} beside it).
 */
class RollingUpgradeIT {
    private static final int MESSAGES = 20;

    @TempDir
    Path dir;

    @Test
    void anOldAndANewNodeShareOneRedisThenTheOldOneIsReplaced() throws Exception {
        String previous = System.getProperty("spartan.previous.jar", "");
        Assumptions.assumeTrue(!previous.isEmpty(), "no -Dspartan.previous.jar: the previous version is not at hand");
        Path oldJar = Path.of(previous).toAbsolutePath();
        try (RedisServerProcess redis = new RedisServerProcess();
                ServerProcess fresh =
                        new ServerProcess(dir.resolve("new"), ServerProcess.defaultConfig(), "--redis", redis.uri())) {
            int oldPort = Ports.free();
            Path oldDir = dir.resolve("old");
            Files.createDirectories(oldDir);
            Path config = oldDir.resolve("config.yaml");
            Files.writeString(config, ServerProcess.defaultConfig().replaceFirst("(?m)^port:.*$", "port: " + oldPort));
            Process old = new ProcessBuilder(List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Djava.library.path=" + oldJar.getParent().resolve("native"),
                            "-jar",
                            oldJar.toString(),
                            "server",
                            "--config",
                            config.toString(),
                            "--data",
                            oldDir.resolve("data").toString(),
                            "--redis",
                            redis.uri(),
                            "--drain-seconds",
                            "0"))
                    .redirectError(ProcessBuilder.Redirect.appendTo(
                            oldDir.resolve("server.log").toFile()))
                    .start();
            try {
                new OutputLines("old:" + oldPort, old.getInputStream())
                        .awaitLine("Spartan server started on port " + oldPort + ".", Duration.ofSeconds(60));
                Path keys = dir.resolve("keys");
                try (ClientProcess alice = new ClientProcess("alice", keys, oldPort);
                        ClientProcess bob = new ClientProcess("bob", keys, fresh.port())) {
                    Chats.open(alice, bob);
                    for (int i = 1; i <= MESSAGES; i++) {
                        alice.type("a" + i);
                        bob.type("b" + i);
                    }
                    assertEachOnce(bob, "alice", "a", 1, MESSAGES);
                    assertEachOnce(alice, "bob", "b", 1, MESSAGES);

                    // The operator replaces the old node: SIGTERM, then this version on its address and data.
                    old.destroy();
                    assertThat(old.waitFor()).isEqualTo(143);
                    try (ServerProcess replaced =
                            new ServerProcess(oldDir, ServerProcess.defaultConfig(), oldPort, "--redis", redis.uri())) {
                        alice.awaitLine("[Spartan] Reconnected.");
                        for (int i = MESSAGES + 1; i <= 2 * MESSAGES; i++) {
                            alice.type("a" + i);
                            bob.type("b" + i);
                        }
                        assertEachOnce(bob, "alice", "a", 1, 2 * MESSAGES);
                        assertEachOnce(alice, "bob", "b", 1, 2 * MESSAGES);
                        assertThat(alice.out().lines()).noneMatch(l -> l.contains("certificate"));
                    }
                }
            } finally {
                old.destroyForcibly();
            }
        }
    }

    private static void assertEachOnce(ClientProcess reader, String sender, String prefix, int from, int to) {
        for (int i = from; i <= to; i++) {
            reader.out().awaitLine("[" + sender + "] " + prefix + i, Duration.ofSeconds(60));
        }
        for (int i = from; i <= to; i++) {
            assertThat(reader.out().count("[" + sender + "] " + prefix + i))
                    .as(prefix + i)
                    .isEqualTo(1);
        }
    }
}
