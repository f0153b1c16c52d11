package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
