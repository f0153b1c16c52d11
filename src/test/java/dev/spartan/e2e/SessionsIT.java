package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsChannels;
import dev.spartan.testing.TlsNode;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who owns a session: a second login replaces the first; a node that is told to stop hands its clients over. */
class SessionsIT {

    @TempDir
    Path dir;

    @Test
    void secondLoginReplacesTheFirst() throws Exception {
        try (TlsNode server = new TlsNode(dir.resolve("s"), ServerProcess.defaultConfig()); // the clients are the point
                ClientProcess first = new ClientProcess("alice", dir.resolve("keys"), server.port())) {
            first.out().awaitPrompt(ENTER_USER);
            try (ClientProcess second = new ClientProcess("alice", dir.resolve("keys"), server.port())) {
                second.out().awaitPrompt(ENTER_USER);
                first.awaitLine("[Spartan] alice signed in from another client; this session is closed");
                assertThat(first.awaitExit()).isEqualTo(2);
                second.type("/users");
                second.awaitLine("[Spartan] Users: bob,charlie,eve,foo,bar,baz,qux");
            }
        }
    }

    @Test
    void sigtermReportsNotServingAndClientsMoveToAnotherNode() {
        try (RedisServerProcess redis = new RedisServerProcess();
                ServerProcess node1 =
                        new ServerProcess(dir.resolve("n1"), ServerProcess.defaultConfig(), "--redis", redis.uri());
                ServerProcess node2 =
                        new ServerProcess(dir.resolve("n2"), ServerProcess.defaultConfig(), "--redis", redis.uri())) {
            ManagedChannel channel = TlsChannels.firstUse(node1.port());
            try {
                assertThat(HealthGrpc.newBlockingStub(channel)
                                .check(HealthCheckRequest.getDefaultInstance())
                                .getStatus())
                        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            } finally {
                channel.shutdownNow();
            }
            Path keys = dir.resolve("keys");
            try (ClientProcess bob = new ClientProcess("bob", keys, node2.port());
                    ClientProcess alice = new ClientProcess(
                            "alice",
                            keys,
                            node1.port(),
                            "--server",
                            "localhost:" + node1.port() + ",localhost:" + node2.port())) {
                bob.out().awaitPrompt(ENTER_USER);
                alice.out().awaitPrompt(ENTER_USER);
                alice.type("bob");
                bob.out()
                        .awaitPrompt(
                                "[Spartan] alice is requesting to chat with you. Enter 'yes' to accept or different user: ");
                bob.type("yes");
                bob.awaitLine("[Spartan] You are now ready to chat with alice.");

                node1.terminate();
                alice.awaitLine("[Spartan] Connection lost, reconnecting...");
                alice.awaitLine("[Spartan] Reconnected.");
                alice.type("after the handover");
                bob.awaitLine("[alice] after the handover");
            }
        }
    }
}
