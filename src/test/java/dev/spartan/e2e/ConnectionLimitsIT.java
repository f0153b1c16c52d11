package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.contract.RetryDelay;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsChannels;
import dev.spartan.testing.TlsNode;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every connection and login a client can make the server hold has a limit, from config: on a node wired as {@code
 * spartan server} wires its client port (netty, TLS, the same limits), in the test's JVM, since nothing here is about
 * the process.
 */
class ConnectionLimitsIT {
    private static final String LIMITS = String.join(
            "\n",
            "",
            "max_connections_per_address: 3",
            "handshake_timeout_seconds: 2",
            "idle_connection_seconds: 3",
            "min_client_keepalive_seconds: 60", // grpc-java clients ping at most every 10 s
            "max_open_challenges: 2",
            "login_attempts_per_minute: 4",
            "");

    @TempDir
    Path dir;

    private AutoCloseable server;
    private int port;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        TlsNode node = new TlsNode(dir.resolve("s"), ServerProcess.defaultConfig() + LIMITS);
        server = node;
        port = node.port();
    }

    @AfterEach
    void stop() throws Exception {
        channels.forEach(ManagedChannel::shutdownNow);
        server.close();
    }

    private ManagedChannel channel() {
        ManagedChannel c = TlsChannels.pinned(port, dir.resolve("known_servers"));
        channels.add(c);
        return c;
    }

    private static HealthCheckResponse.ServingStatus health(ManagedChannel c) {
        return HealthGrpc.newBlockingStub(c)
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
    }

    @Test
    void aSilentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port)) {
            silent.setSoTimeout(20_000);
            long start = System.nanoTime();
            InputStream in = silent.getInputStream();
            assertThat(in.read()).as("the server closed the connection").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void anIdleConnectionIsClosedAndTheClientReconnectsOnItsNextCall() {
        ManagedChannel c = channel();
        assertThat(health(c)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        // The server closes the connection (GOAWAY) once no call has been in progress for 3 s.
        await().atMost(Duration.ofSeconds(20)).until(() -> c.getState(false) == ConnectivityState.IDLE);
        assertThat(health(c)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void connectionsFromOneAddressAreCapped() throws Exception {
        // A process: with the server in the test's JVM, the refused client sometimes sees its connection closed
        // before it has read the server's GOAWAY and the reason it carries.
        server.close();
        ServerProcess process = new ServerProcess(dir.resolve("p"), ServerProcess.defaultConfig() + LIMITS);
        server = process;
        port = process.port();
        for (int i = 0; i < 3; i++) {
            assertThat(health(channel())).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
        ManagedChannel fourth = channel();
        assertThatThrownBy(() -> health(fourth)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            // The server closes it with GOAWAY; the reason travels as its debug data.
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
            assertThat(e.getStatus().getDescription()).contains("too many connections from 127.0.0.1");
        });
        channels.get(0).shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(() -> health(channel()) == HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void clientsThatPingTooOftenAreDisconnected() throws Exception {
        ManagedChannel eager = Grpc.newChannelBuilder(
                        "localhost:" + port,
                        dev.spartan.tls.ClientTls.credentials(
                                dev.spartan.tls.ClientTls.pinning(dir.resolve("known_servers"))
                                        .trustFor("localhost:" + port)))
                .keepAliveTime(1, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .build();
        channels.add(eager);
        CompletableFuture<Status> watch = new CompletableFuture<>();
        HealthGrpc.newStub(eager).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse value) {}

            @Override
            public void onError(Throwable t) {
                watch.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                watch.complete(Status.OK);
            }
        });
        Status ended = watch.get(120, TimeUnit.SECONDS);
        // GOAWAY ENHANCE_YOUR_CALM, which gRPC reports as RESOURCE_EXHAUSTED.
        assertThat(ended.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(ended.getDescription()).contains("too_many_pings");
    }

    @Test
    void openChallengesAreCappedAndLoginAttemptsPerAddressAreRateLimited() {
        AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel());
        ChallengeRequest alice = ChallengeRequest.newBuilder().setUser("alice").build();
        auth.withDeadlineAfter(20, TimeUnit.SECONDS).challenge(alice);
        auth.withDeadlineAfter(20, TimeUnit.SECONDS).challenge(alice);
        assertThatThrownBy(() -> auth.withDeadlineAfter(20, TimeUnit.SECONDS).challenge(alice))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription())
                            .matches("too many logins in progress on this server; try again in \\d+ s");
                });
        assertThatThrownBy(() -> auth.withDeadlineAfter(20, TimeUnit.SECONDS).challenge(alice)) // the cap again
                .isInstanceOf(StatusRuntimeException.class);
        assertThatThrownBy(() -> auth.withDeadlineAfter(20, TimeUnit.SECONDS).challenge(alice))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("Too many login attempts from 127.0.0.1 (4 per 60s)");
                    assertThat(RetryDelay.of(e))
                            .hasValueSatisfying(d -> assertThat(d).isPositive());
                });
    }
}
