package dev.spartan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.backend.EmbeddedBackend;
import dev.spartan.client.ChatClient;
import dev.spartan.client.ClientListener;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.Login;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.OperationsConfig;
import dev.spartan.config.SecurityConfig;
import dev.spartan.config.SpartanConfig;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.testing.Ports;
import dev.spartan.testing.TlsChannels;
import dev.spartan.tls.ServerCertificate;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening and closing clients over and over must leave no stream registered and no thread behind. */
class StreamLeakIT {
    private static final int SLACK = 5;

    @TempDir
    Path dir;

    SpartanServer server;
    int port;

    @BeforeEach
    void start() throws Exception {
        SpartanConfig config = ConfigLoader.load(Path.of("config.yaml"))
                .withPort(Ports.free())
                .withOperations(OperationsConfig.DEFAULTS.withDrain(Duration.ZERO));
        SecurityConfig s = config.security();
        config = config.withSecurity(
                new SecurityConfig( // every cycle is a login from 127.0.0.1
                        s.enrollment(),
                        s.enrollmentNetworks(),
                        s.inviteTtl(),
                        s.sessionTtl(),
                        s.adminPort(),
                        s.maxConnectionsPerAddress(),
                        s.idleConnection(),
                        s.handshakeTimeout(),
                        s.minClientKeepAlive(),
                        s.maxOpenChallenges(),
                        10_000,
                        10_000,
                        s.maxHandshakesPerAddress(),
                        s.bindSessions()));
        Clock clock = Clock.systemUTC();
        ServerTransport transport =
                ServerTransport.tls(ServerCertificate.loadOrCreate(dir.resolve("server"), Clock.systemUTC()), null);
        server = new SpartanServer(
                        config,
                        new EmbeddedBackend(EmbeddedStore.inMemory()),
                        Grpc.newServerBuilderForPort(config.port(), transport.credentials()),
                        transport,
                        clock)
                .start();
        port = server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static final ClientListener QUIET = new ClientListener() {};

    private void cycle(String user) {
        ChatClient client = new ChatClient(
                new ClientOptions(user, List.of("localhost:" + port), dir.resolve(user), Clock.systemUTC()), QUIET);
        try {
            client.connect();
            assertThat(server.hub().onlineHere()).contains(user);
        } finally {
            client.close();
        }
    }

    private void awaitBackTo(int baseline) {
        await().alias("no open streams and at most " + (baseline + SLACK) + " threads (baseline " + baseline + ")")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    assertThat(server.hub().openStreams()).isZero();
                    assertThat(Thread.activeCount()).isLessThanOrEqualTo(baseline + SLACK);
                });
    }

    @Test
    void hundredChatClientConnectCloseCyclesLeakNothing() {
        cycle("alice"); // warm-up: shared gRPC resources, keys on disk, class loading
        cycle("bob");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.hub().openStreams() == 0);
        int baseline = Thread.activeCount();

        for (int i = 0; i < 100; i++) {
            cycle(i % 2 == 0 ? "alice" : "bob");
        }

        awaitBackTo(baseline);
    }

    @Test
    void rawReceiveStreamCancelledByTheClientIsCleanedUp() throws Exception {
        rawStreamCycle("charlie"); // warm-up
        await().atMost(Duration.ofSeconds(10)).until(() -> server.hub().openStreams() == 0);
        int baseline = Thread.activeCount();

        for (int i = 0; i < 20; i++) {
            rawStreamCycle("charlie");
        }

        awaitBackTo(baseline);
    }

    /** Logs in by hand, opens ReceiveMsg, reads until caught up, then drops the channel mid-stream. */
    private void rawStreamCycle(String user) throws Exception {
        Identity id = Identity.loadOrCreate(dir.resolve("raw-" + user));
        ManagedChannel channel = TlsChannels.pinned(port, dir.resolve("known_servers"));
        try {
            String token = Login.perform(channel, user, id).getSessionToken();

            CountDownLatch caughtUp = new CountDownLatch(1);
            CompletableFuture<Status> ended = new CompletableFuture<>();
            List<Event> events = new CopyOnWriteArrayList<>();
            SpartanGrpc.newStub(channel)
                    .withInterceptors(Login.bearer(token))
                    .receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<>() {
                        @Override
                        public void onNext(Event e) {
                            events.add(e);
                            if (e.hasCaughtUp()) {
                                caughtUp.countDown();
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(Status.OK);
                        }
                    });
            assertThat(caughtUp.await(10, TimeUnit.SECONDS)).as("caught up").isTrue();
            assertThat(server.hub().onlineHere()).containsExactly(user);
            assertThat(ended).isNotDone(); // the stream is open and idle: mid-stream

            channel.shutdownNow();

            // gRPC reports a client's own shutdownNow to its observer as UNAVAILABLE ("Channel shutdownNow invoked").
            assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.hub().openStreams() == 0);
            assertThat(events).last().matches(Event::hasCaughtUp);
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
