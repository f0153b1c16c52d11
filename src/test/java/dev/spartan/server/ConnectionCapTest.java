package dev.spartan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.config.SecurityConfig;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-address connection cap on a real Netty server: over the cap, a connection is closed, not served. */
class ConnectionCapTest {
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Server server;

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (server != null) {
            server.shutdownNow();
        }
    }

    private ConnectionCap start(int max) throws Exception {
        return start(new ConnectionCap(max));
    }

    private ConnectionCap start(ConnectionCap cap) throws Exception {
        server = ClientPort.harden(
                        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()),
                        SecurityConfig.DEFAULTS,
                        cap)
                .addService(new HealthStatusManager().getHealthService())
                .build()
                .start();
        return cap;
    }

    /** A new channel is a new TCP connection; the health call proves it was served. */
    private ManagedChannel connect() {
        ManagedChannel c = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
                .build();
        channels.add(c);
        HealthGrpc.newBlockingStub(c)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        return c;
    }

    @Test
    void connectionsOverTheCapAreRefusedUntilOneCloses() throws Exception {
        ConnectionCap cap = start(2);
        InetAddress local = InetAddress.getLoopbackAddress();
        ManagedChannel first = connect();
        connect();
        assertThat(cap.openFrom(local)).isEqualTo(2);

        assertThatThrownBy(this::connect).isInstanceOf(StatusRuntimeException.class);
        assertThat(cap.openFrom(local)).isEqualTo(2);

        first.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> cap.openFrom(local) == 1);
        connect();
        assertThat(cap.openFrom(local)).isEqualTo(2);
    }

    @Test
    void socketsStillInTheirHandshakeAreCappedPerAddress() throws Exception {
        HandshakeCap handshakes = new HandshakeCap(3);
        start(new ConnectionCap(64, handshakes));
        InetAddress local = InetAddress.getLoopbackAddress();
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                silent.add(new Socket(local, server.getPort())); // connects, never says a word
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> handshakes.pendingFrom(local) == 3);
            try (Socket fourth = new Socket(local, server.getPort())) {
                fourth.setSoTimeout(5_000);
                assertThat(fourth.getInputStream().read())
                        .as("closed at once, long before the handshake timeout")
                        .isEqualTo(-1);
            }
            assertThat(handshakes.pendingFrom(local)).isEqualTo(3);
            silent.remove(0).close();
            await().atMost(Duration.ofSeconds(10)).until(() -> handshakes.pendingFrom(local) == 2);
            connect(); // a real client gets in, and leaves the count once its handshakes are done
            assertThat(handshakes.pendingFrom(local)).isEqualTo(2);
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }
}
