package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.RetryDelay;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several nodes on one real redis-server, in the test's JVM, wired as {@code spartan server} wires them: one user base
 * (clients on either node), one rate limit (nodes with their own stores, sharing only the limit).
 */
class ClusterIT {

    @TempDir
    Path dir;

    /** The shipped config on {@code redis}, the rate limit out of the way. */
    private static String onRedis(RedisServerProcess redis) {
        return ServerProcess.defaultConfig() + "\nredis: " + redis.uri()
                + "\nrate_limit:\n  max_calls: 1000\n  window_seconds: 1\n";
    }

    @Test
    void usersOnDifferentNodesChatOneToOneAndInGroups() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess();
                TlsNode node1 = new TlsNode(dir.resolve("n1"), onRedis(redis));
                TlsNode node2 = new TlsNode(dir.resolve("n2"), onRedis(redis))) {
            Path keys = dir.resolve("keys");
            try (ClientProcess bob = new ClientProcess("bob", keys, node2.port());
                    ClientProcess alice = new ClientProcess("alice", keys, node1.port())) {
                bob.out().awaitPrompt(ENTER_USER);
                alice.out().awaitPrompt(ENTER_USER);
                alice.type("bob");
                alice.awaitLine("[Spartan] You are now ready to chat with bob.");
                alice.type("across nodes");
                bob.out()
                        .awaitPrompt(
                                "[Spartan] alice is requesting to chat with you. Enter 'yes' to accept or different user: ");
                bob.type("yes");
                bob.awaitLine("[alice] across nodes");
                bob.type("back across");
                alice.awaitLine("[bob] back across");
                alice.type("/users");
                alice.awaitLine("[Spartan] Users: bob*,charlie,eve,foo,bar,baz,qux");

                alice.type("/group group1");
                alice.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
                bob.type("/group group1");
                bob.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
                alice.type("hello group");
                bob.awaitLine("[group1] [alice] hello group");
                bob.type("hello from node2");
                alice.awaitLine("[group1] [bob] hello from node2");
                alice.type("/quit");
                assertThat(alice.awaitExit()).isZero();
            }
            // alice comes back on the other node and finds her recent history there.
            try (ClientProcess alice = new ClientProcess("alice", keys, node2.port())) {
                alice.out().awaitPrompt(ENTER_USER);
                alice.type("bob");
                alice.awaitLine("[Spartan] Recent messages with bob:");
                int first = alice.awaitLine("[alice] across nodes");
                int second = alice.awaitLine("[bob] back across");
                assertThat(first).isLessThan(second);
            }
        }
    }

    @Test
    void rateLimitIsExactAcrossNodesAndFallsOpenOrClosedWhenRedisDies() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess()) {
            String limited = ServerProcess.defaultConfig() + "\nrate_limit:\n  max_calls: 5\n  window_seconds: 120\n"
                    + "  redis: " + redis.uri() + "\n";
            // Two nodes in the test's JVM, wired as spartan server wires them: what is shared is Redis, not a process.
            try (TlsNode open = new TlsNode(dir.resolve("open"), limited);
                    TlsNode closed = new TlsNode(dir.resolve("closed"), limited + "  fail_mode: closed\n")) {
                Path keys = dir.resolve("keys");
                List<TlsNode> nodes = List.of(open, closed);
                // Both nodes are embedded (separate stores); only the rate limit is shared.
                WireSession[] alice = new WireSession[2];
                for (int i = 0; i < 2; i++) {
                    alice[i] = WireSession.login(
                            "alice", keys.resolve("alice"), nodes.get(i).port());
                    try (WireSession bob = WireSession.login(
                            "bob", keys.resolve("bob"), nodes.get(i).port())) {
                        alice[i].stub()
                                .requestChat(
                                        ChatRequest.newBuilder().setPeer("bob").build());
                        bob.stub()
                                .answerChat(ChatAnswer.newBuilder()
                                        .setPeer("alice")
                                        .setAccept(true)
                                        .build());
                    }
                }
                int admitted = 0;
                int refused = 0;
                for (int i = 0; i < 12; i++) {
                    try {
                        alice[i % 2].sendTo("bob", "message " + i);
                        admitted++;
                    } catch (StatusRuntimeException e) {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(e.getStatus().getDescription()).isEqualTo("Rate limit reached (5 per 120s)");
                        assertThat(RetryDelay.of(e))
                                .hasValueSatisfying(
                                        d -> assertThat(d.toSeconds()).isBetween(1L, 120L));
                        refused++;
                    }
                }
                System.out.printf("shared limit: %d admitted, %d refused across two nodes%n", admitted, refused);
                assertThat(admitted).isEqualTo(5);
                assertThat(refused).isEqualTo(7);

                redis.stop();
                // Redis is gone: charlie has a fresh budget. The open node admits by its local limiter (5),
                // the closed node refuses everything.
                try (WireSession charlieOpen = WireSession.login("charlie", keys.resolve("charlie"), open.port());
                        WireSession bobOpen = WireSession.login("bob", keys.resolve("bob"), open.port());
                        WireSession charlieClosed =
                                WireSession.login("charlie", keys.resolve("charlie"), closed.port());
                        WireSession bobClosed = WireSession.login("bob", keys.resolve("bob"), closed.port())) {
                    charlieOpen
                            .stub()
                            .requestChat(ChatRequest.newBuilder().setPeer("bob").build());
                    bobOpen.stub()
                            .answerChat(ChatAnswer.newBuilder()
                                    .setPeer("charlie")
                                    .setAccept(true)
                                    .build());
                    charlieClosed
                            .stub()
                            .requestChat(ChatRequest.newBuilder().setPeer("bob").build());
                    bobClosed
                            .stub()
                            .answerChat(ChatAnswer.newBuilder()
                                    .setPeer("charlie")
                                    .setAccept(true)
                                    .build());
                    int openAdmitted = 0;
                    int closedAdmitted = 0;
                    for (int i = 0; i < 7; i++) {
                        openAdmitted += trySend(charlieOpen);
                        closedAdmitted += trySend(charlieClosed);
                    }
                    System.out.printf(
                            "redis down: open node admitted %d, closed node admitted %d%n",
                            openAdmitted, closedAdmitted);
                    assertThat(openAdmitted).isEqualTo(5);
                    assertThat(closedAdmitted).isZero();

                    redis.restart();
                    // Back to the shared limit: the closed node admits again.
                    org.awaitility.Awaitility.await()
                            .atMost(java.time.Duration.ofSeconds(15))
                            .until(() -> trySend(charlieClosed) == 1);
                }
                for (WireSession a : alice) {
                    a.close();
                }
            }
        }
    }

    private static int trySend(WireSession user) {
        try {
            user.sendTo("bob", "x");
            return 1;
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            return 0;
        }
    }
}
