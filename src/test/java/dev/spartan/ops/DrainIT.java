package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.proto.Event;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendResult;
import dev.spartan.testing.Ports;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM: health says NOT_SERVING first and the node keeps serving for the drain period, so a load balancer polling
 * health moves clients away before the port closes; then calls finish and streams end with UNAVAILABLE.
 */
class DrainIT {
    private static final long DRAIN_MILLIS = 3000;

    @TempDir
    Path dir;

    @Test
    void notServingIsVisibleForTheDrainPeriodWhileCallsStillSucceed() throws Exception {
        int metrics = Ports.free();
        try (ServerProcess server = new ServerProcess(
                        dir.resolve("node"),
                        ServerProcess.defaultConfig(),
                        "--drain-seconds",
                        String.valueOf(DRAIN_MILLIS / 1000.0),
                        "--metrics-port",
                        String.valueOf(metrics));
                HealthProbe health = new HealthProbe(server.port());
                WireSession alice = WireSession.login("alice", dir.resolve("keys/alice"), server.port())) {
            assertThat(health.status("")).isEqualTo("SERVING");
            assertThat(HttpProbe.code(metrics, "/healthz")).isEqualTo(200);
            assertThat(HttpProbe.code(metrics, "/readyz")).isEqualTo(200);
            // A load balancer's health Watch, open across the stop: it must not hold the stop up.
            CompletableFuture<Status> watchEnd = health.watch("");
            CompletableFuture<Status> streamEnd = new CompletableFuture<>();
            alice.asyncStub().receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<Event>() {
                @Override
                public void onNext(Event e) {}

                @Override
                public void onError(Throwable t) {
                    streamEnd.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    streamEnd.complete(Status.OK);
                }
            });
            // An open SendStream with nothing in flight, as a client keeps one for its whole session.
            CompletableFuture<Status> sendEnd = new CompletableFuture<>();
            alice.asyncStub().sendStream(new StreamObserver<SendResult>() {
                @Override
                public void onNext(SendResult r) {}

                @Override
                public void onError(Throwable t) {
                    sendEnd.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    sendEnd.complete(Status.OK);
                }
            });
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.readString(server.logFile()).contains("stream opened for alice"));

            server.signalTerminate();
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> health.status("").equals("NOT_SERVING"));
            long notServingSince = System.nanoTime();
            assertThat(HttpProbe.code(metrics, "/readyz"))
                    .as("not ready from the first moment")
                    .isEqualTo(503);
            assertThat(HttpProbe.code(metrics, "/healthz")).as("still serving").isEqualTo(200);

            // While health says NOT_SERVING, the node still answers calls, until the port closes.
            int servedWhileDraining = 0;
            String last = "NOT_SERVING";
            while (last.equals("NOT_SERVING")) {
                if (System.nanoTime() - notServingSince < TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS - 500)) {
                    alice.stub().listUsers(ListUsersRequest.getDefaultInstance()); // throws if refused
                    servedWhileDraining++;
                }
                Thread.sleep(100);
                last = health.status("");
                assertThat(System.nanoTime() - notServingSince)
                        .as("the drain ends")
                        .isLessThan(TimeUnit.SECONDS.toNanos(30));
            }
            long drained = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - notServingSince);

            assertThat(last).isEqualTo("UNAVAILABLE"); // the port is closed now
            assertThat(drained)
                    .as("NOT_SERVING was visible for the drain period")
                    .isGreaterThanOrEqualTo(DRAIN_MILLIS - 500);
            assertThat(servedWhileDraining).isGreaterThan(5);
            Status end = streamEnd.get(20, TimeUnit.SECONDS);
            assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(end.getDescription()).isEqualTo("server is shutting down");
            Status watched = watchEnd.get(20, TimeUnit.SECONDS);
            assertThat(watched.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(watched.getDescription()).isEqualTo("server is shutting down");
            Status sendStreamEnd = sendEnd.get(20, TimeUnit.SECONDS);
            assertThat(sendStreamEnd.getCode())
                    .as("the node ends an open SendStream rather than wait for it")
                    .isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(sendStreamEnd.getDescription()).isEqualTo("server is shutting down");
            assertThat(server.awaitExit(Duration.ofSeconds(30)))
                    .as("a JVM ended by SIGTERM exits with 128 + 15")
                    .isEqualTo(143);

            String log = Files.readString(server.logFile());
            assertThat(log)
                    .containsSubsequence(
                            "shutdown: health NOT_SERVING; still serving for 3.0 s",
                            "shutdown: refusing new calls, finishing calls in flight, ending 1 streams with UNAVAILABLE",
                            "stream closed for alice",
                            "Spartan server on port " + server.port() + " stopped");
            // neither the SendStream nor the health Watch made the node wait for them
            assertThat(log).doesNotContain("calls still running after 5 s are cancelled");
        }
    }
}
