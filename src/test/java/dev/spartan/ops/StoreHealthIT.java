package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.testing.Ports;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health tells the truth about the store: a node whose Redis is gone says NOT_SERVING, and SERVING once it is back. */
class StoreHealthIT {
    private static final List<String> SERVICES = List.of("", "spartan.v1.Spartan", "spartan.v1.Auth");

    @TempDir
    Path dir;

    @Test
    void redisKilledTurnsEveryServiceNotServingAndRedisBackTurnsThemServing() throws Exception {
        int metrics = Ports.free();
        // With its AOF, Redis comes back holding this node's store; one restarted empty would stop the node
        // (StoreEpochIT).
        try (RedisServerProcess redis =
                        new RedisServerProcess(List.of("--appendonly", "yes", "--appendfsync", "always"));
                ServerProcess server = new ServerProcess(
                        dir.resolve("node"),
                        ServerProcess.defaultConfig(),
                        "--redis",
                        redis.uri(),
                        "--metrics-port",
                        String.valueOf(metrics));
                HealthProbe health = new HealthProbe(server.port())) {
            for (String service : SERVICES) {
                assertThat(health.status(service)).as(service).isEqualTo("SERVING");
            }

            redis.stop();
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(SERVICES)
                            .allSatisfy(s -> assertThat(health.status(s)).as(s).isEqualTo("NOT_SERVING")));
            assertThat(HttpProbe.code(metrics, "/healthz")).isEqualTo(503);
            assertThat(HttpProbe.code(metrics, "/readyz")).isEqualTo(503);
            // What the health says is what clients get: a login needs the store, and is refused as UNAVAILABLE.
            assertThatThrownBy(() -> WireSession.login("alice", dir.resolve("keys/alice"), server.port()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

            redis.restart(); // same port
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(SERVICES)
                            .allSatisfy(s -> assertThat(health.status(s)).as(s).isEqualTo("SERVING")));
            assertThat(HttpProbe.code(metrics, "/healthz")).isEqualTo(200);
            assertThat(HttpProbe.code(metrics, "/readyz")).isEqualTo(200);
            try (WireSession alice = WireSession.login("alice", dir.resolve("keys/alice"), server.port())) {
                assertThat(alice.loginResponse().getUsersList()).contains("bob");
            }

            String log = Files.readString(server.logFile());
            assertThat(log)
                    .contains("store lost (Redis is unavailable")
                    .contains("health NOT_SERVING until it answers again")
                    .contains("store back: health SERVING");
        }
    }
}
