package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.Main;
import dev.spartan.client.JournalSpool;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Servers die with SIGKILL while clients are sending. Every message still arrives exactly once, in order, and an
 * offline recipient gets everything after all nodes restart.
 */
class ChaosIT {
    private static final int MESSAGES = 40;

    @TempDir
    Path dir;

    @Test
    void clusterNodeKilledMidStream() {
        try (RedisServerProcess redis = new RedisServerProcess();
                ServerProcess node1 = new ServerProcess(
                        dir.resolve("n1"),
                        ServerProcess.defaultConfig(),
                        "--redis",
                        redis.uri(),
                        "--rate-limit",
                        "10000/1");
                ServerProcess node2 = new ServerProcess(
                        dir.resolve("n2"),
                        ServerProcess.defaultConfig(),
                        "--redis",
                        redis.uri(),
                        "--rate-limit",
                        "10000/1")) {
            Path keys = dir.resolve("keys");
            String both = "localhost:" + node1.port() + ",localhost:" + node2.port();
            try (ClientProcess bob =
                            new ClientProcess("bob", keys, node2.port(), "--server", "localhost:" + node2.port());
                    ClientProcess alice = new ClientProcess("alice", keys, node1.port(), "--server", both)) {
                Chats.open(alice, bob);
                typeNumbered(alice, 1, MESSAGES / 2);
                node1.kill(); // alice's node dies with messages in flight
                typeNumbered(alice, MESSAGES / 2 + 1, MESSAGES);
                alice.awaitLine("[Spartan] Connection lost, reconnecting...");
                alice.awaitLine("[Spartan] Reconnected.");
                assertExactlyOnceInOrder(bob, "alice", MESSAGES);

                // Offline recipient, then every node restarts.
                bob.type("/quit");
                assertThat(bob.awaitExit()).isZero();
                alice.type("while you were away 1");
                alice.type("while you were away 2");
                awaitQueueEmpty(alice);
            }
            node2.kill();
            node1.start();
            node2.start();
            try (ClientProcess bob = new ClientProcess("bob", keys, node1.port())) {
                int a = bob.awaitLine("[alice] while you were away 1");
                int b = bob.awaitLine("[alice] while you were away 2");
                assertThat(a).isLessThan(b);
            }
        }
    }

    @Test
    void embeddedNodeKilledAndRestarted() {
        ServerProcess server =
                new ServerProcess(dir.resolve("solo"), ServerProcess.defaultConfig(), "--rate-limit", "10000/1");
        try (server) {
            Path keys = dir.resolve("keys");
            try (ClientProcess bob = new ClientProcess("bob", keys, server.port());
                    ClientProcess alice = new ClientProcess("alice", keys, server.port())) {
                Chats.open(alice, bob);
                typeNumbered(alice, 1, MESSAGES / 2);
                server.kill();
                typeNumbered(alice, MESSAGES / 2 + 1, MESSAGES);
                alice.awaitLine("[Spartan] Connection lost, reconnecting...");
                server.start(); // same port, same data directory
                alice.awaitLine("[Spartan] Reconnected.");
                bob.awaitLine("[Spartan] Reconnected.");
                assertExactlyOnceInOrder(bob, "alice", MESSAGES);

                bob.type("/quit");
                assertThat(bob.awaitExit()).isZero();
                alice.type("stored before the crash");
                awaitQueueEmpty(alice);
            }
            server.kill();
            server.start();
            try (ClientProcess bob = new ClientProcess("bob", keys, server.port())) {
                bob.awaitLine("[alice] stored before the crash");
            }
        }
    }

    /**
     * A backup taken while alice sends, then a crash that takes the data directory with it: the restored node has
     * every message acknowledged before the backup, delivered once, and the clients' pins still hold.
     */
    @Test
    void embeddedNodeRestoredFromABackupTakenDuringAChat() throws Exception {
        Path node = dir.resolve("backed-up");
        Path data = node.resolve("data");
        Path backup = dir.resolve("backup");
        Path keys = dir.resolve("keys");
        ServerProcess server = new ServerProcess(node, ServerProcess.defaultConfig(), "--rate-limit", "10000/1");
        try (server;
                ClientProcess alice = new ClientProcess("alice", keys, server.port())) {
            try (ClientProcess bob = new ClientProcess("bob", keys, server.port())) {
                Chats.open(alice, bob);
                typeNumbered(alice, 1, 10);
                assertExactlyOnceInOrder(bob, "alice", 10);
                bob.type("/quit");
                assertThat(bob.awaitExit()).isZero();
            }
            typeNumbered(alice, 11, 20);
            Path aliceKeys = keys.resolve("alice");
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> JournalSpool.read(aliceKeys).isEmpty()); // all acknowledged
            String pins = Files.readString(keys.resolve("known_servers"));

            typeNumbered(alice, 21, 40); // the chat goes on while the backup is taken
            assertThat(new CommandLine(new Main())
                            .execute("admin", "backup", "--to", backup.toString(), "--data", data.toString()))
                    .isZero();
            assertThat(Files.readString(backup.resolve("backup.txt"))).contains("last-acknowledged-message: id ");
            server.kill();
            try (var files = Files.walk(data)) { // the data directory goes with the crash
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
            assertThat(data).doesNotExist();
            assertThat(new CommandLine(new Main())
                            .execute("admin", "restore", "--from", backup.toString(), "--data", data.toString()))
                    .isZero();
            server.start();
            alice.awaitLine("[Spartan] Reconnected.");

            try (ClientProcess bob = new ClientProcess("bob", keys, server.port())) {
                for (int i = 11; i <= 20; i++) {
                    bob.awaitLine("[alice] m" + i);
                }
                alice.type("after the restore");
                bob.awaitLine("[alice] after the restore");
                for (int i = 11; i <= 40; i++) {
                    assertThat(bob.out().count("[alice] m" + i)).as("m" + i).isLessThanOrEqualTo(1);
                }
                assertThat(bob.out().lines()).noneMatch(l -> l.contains("certificate"));
            }
            assertThat(Files.readString(keys.resolve("known_servers"))).isEqualTo(pins);
        }
    }

    /** Types m{from} .. m{to}, one line each, without waiting: they go out while the servers die. */
    private static void typeNumbered(ClientProcess sender, int from, int to) {
        for (int i = from; i <= to; i++) {
            sender.type("m" + i);
        }
    }

    /** A message typed and then Ctrl-D: the client flushes its queue before it exits. */
    private static void awaitQueueEmpty(ClientProcess alice) {
        alice.type("/quit");
        assertThat(alice.awaitExit()).isZero();
    }

    private static void assertExactlyOnceInOrder(ClientProcess reader, String sender, int count) {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            indexes.add(reader.out().awaitLine("[" + sender + "] m" + i, Duration.ofSeconds(60)));
        }
        long total = reader.out().lines().stream()
                .filter(l -> l.matches("\\[" + sender + "\\] m\\d+"))
                .count();
        System.out.printf(
                "%s received %d of %d numbered messages, %d lines in all%n", reader, indexes.size(), count, total);
        assertThat(indexes).isSorted();
        assertThat(total).isEqualTo(count);
    }
}
