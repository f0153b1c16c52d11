package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRequest;
import dev.spartan.testing.Admin;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.Ports;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.SpartanJar;
import dev.spartan.testing.TlsChannels;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.WireSession;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequence numbers belong to one store. When the store under a connected client is replaced (a fresh data
 * directory, a Redis that lost its data), the client must notice and start over, or it drops every new event as
 * already seen; and a Redis node must not serve a Redis that lost the store it served, unless told to.
 */
class StoreEpochIT {
    private static final String REPLACED =
            "[Spartan] The server's store was replaced; starting over from its first" + " message.";

    @TempDir
    Path dir;

    private Path keys() {
        return dir.resolve("keys");
    }

    /** alice (over the wire) opens a chat with bob's client, which accepts, and says {@code text}. */
    private void chatWithBob(int port, ClientProcess bob, String text, boolean bobIsChoosing) {
        try (WireSession alice = WireSession.login("alice", keys().resolve("alice"), port)) {
            alice.stub().requestChat(ChatRequest.newBuilder().setPeer("bob").build());
            if (bobIsChoosing) {
                bob.out()
                        .awaitPrompt(
                                "[Spartan] alice is requesting to chat with you. Enter 'yes' to accept or different user: ");
                bob.type("yes");
            } else {
                bob.awaitLine("[Spartan] alice is requesting to chat with you: /accept alice or /decline alice.");
                bob.type("/chat alice");
            }
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> bob.out().count("[Spartan] You are now ready to chat with alice.")
                            == (bobIsChoosing ? 1 : 2));
            alice.send(alice.encrypted(ChatIds.toUser("bob"), text, "bob"));
            bob.awaitLine("[alice] " + text);
        }
    }

    private static HealthCheckResponse.ServingStatus health(int port) {
        ManagedChannel channel = TlsChannels.firstUse(port);
        try {
            return HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aClientWhoseServerGotAFreshStoreStartsOverAndGetsTheNewEvents() throws Exception {
        // Nodes in the test's JVM, wired as spartan server wires them: the client process is the point here.
        int port = Ports.free();
        String config = ServerProcess.defaultConfig() + "\nrate_limit:\n  max_calls: 100\n  window_seconds: 1\n";
        try (TlsNode first = new TlsNode(dir.resolve("first"), config, port);
                ClientProcess bob = new ClientProcess("bob", keys(), port)) {
            bob.out().awaitPrompt(ENTER_USER);
            chatWithBob(port, bob, "from the first store", true);
            first.close();
            bob.awaitLine("[Spartan] Connection lost, reconnecting...");

            // The same port and TLS certificate (the client pinned it), an empty store: inbox numbering starts at 1
            // again.
            first.shareCertificateWith(dir.resolve("second"));
            try (TlsNode second = new TlsNode(dir.resolve("second"), config, port)) {
                bob.out().awaitLine(REPLACED, Duration.ofSeconds(40));
                bob.awaitLine("[Spartan] Reconnected.");
                chatWithBob(second.port(), bob, "from the second store", false);
            }
        }
    }

    @Test
    void aRedisRestartedEmptyIsNoticedAndTheNodeServesItOnlyWhenToldTo() throws Exception {
        int port = Ports.free();
        String config = ServerProcess.defaultConfig();
        Path nodeDir = dir.resolve("node");
        try (RedisServerProcess redis = new RedisServerProcess()) {
            ServerProcess node = new ServerProcess(nodeDir, config, port, "--redis", redis.uri());
            try (ClientProcess bob = new ClientProcess("bob", keys(), port)) {
                assertThat(node.log()).contains("runs without AOF (appendonly no)");
                bob.out().awaitPrompt(ENTER_USER);
                chatWithBob(port, bob, "before Redis forgot", true);

                assertThat(health(port)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                redis.stop();
                org.awaitility.Awaitility.await()
                        .atMost(Duration.ofSeconds(20))
                        .until(() -> health(port) == HealthCheckResponse.ServingStatus.NOT_SERVING);
                redis.restart(); // no AOF, no RDB: Redis comes back empty
                assertThat(node.awaitExit(Duration.ofSeconds(30))).isEqualTo(3);
                assertThat(node.log())
                        .contains("spartan server: Redis no longer holds this store (epoch ")
                        .contains("exiting with status 3");
                bob.awaitLine("[Spartan] Connection lost, reconnecting...");

                // Started again as a supervisor would: refused in one line, until the operator decides.
                Process again = SpartanJar.command(
                                "server",
                                "--config",
                                nodeDir.resolve("config-" + port + ".yaml").toString(),
                                "--data",
                                nodeDir.resolve("data").toString(),
                                "--redis",
                                redis.uri())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                String err = new String(again.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(again.exitValue()).isEqualTo(2);
                assertThat(err).doesNotContain("\tat ");
                assertThat(err.lines())
                        .filteredOn(l -> l.startsWith("spartan server:"))
                        .singleElement()
                        .satisfies(l -> assertThat(l)
                                .startsWith("spartan server: Redis at " + redis.uri() + " has no Spartan store, but"
                                        + " this node served store ")
                                .endsWith("or start with --new-store to begin an empty store"));

                node.close();
                try (ServerProcess fresh =
                        new ServerProcess(nodeDir, config, port, "--redis", redis.uri(), "--new-store")) {
                    // The new store pins nobody: bob's client, back by itself, is refused until the operator acts.
                    org.awaitility.Awaitility.await()
                            .atMost(Duration.ofSeconds(40))
                            .until(() -> bob.out().lines().stream()
                                    .anyMatch(l -> l.contains("the first login of 'bob' needs an enrollment code: this"
                                            + " server's store was begun anew")));
                    assertThat(Admin.run(fresh.dataDir(), "reopen-enrollment").out())
                            .contains("Enrollment is open again");
                    try (ClientProcess bobAgain = new ClientProcess("bob", keys(), port)) {
                        bobAgain.out().awaitPrompt(ENTER_USER);
                        chatWithBob(fresh.port(), bobAgain, "after the new store", true);
                    }
                }
            } finally {
                node.close();
            }
        }
    }
}
