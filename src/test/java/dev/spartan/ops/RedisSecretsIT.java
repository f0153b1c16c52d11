package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.OutputLines;
import dev.spartan.testing.Ports;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.SpartanJar;
import dev.spartan.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis password reaches Redis and nothing else: a real {@code redis-server} with {@code requirepass} and a TLS
 * port (certificates made here), and nodes that meet each Redis error a password could leak through. Every line
 * each node prints, on stdout and stderr, is searched for the password, and so is its command line as {@code ps}
 * shows it.
 */
class RedisSecretsIT {
    private final String secret = "pw-" + HexFormat.of().formatHex(randomBytes());
    private final List<String> everyLine = new ArrayList<>();

    @TempDir
    Path dir;

    @Test
    void thePasswordComesFromAFileOrTheEnvironmentAndNoLineEverCarriesIt() throws Exception {
        TestCa ca = new TestCa();
        Path caFile = ca.writeCertificate(dir.resolve("ca.crt"));
        Path cert = ca.issue("localhost", dir.resolve("tls"));
        int tlsPort = Ports.free();
        Path passwordFile = Files.writeString(dir.resolve("redis-password"), secret + "\n");
        try (RedisServerProcess redis = new RedisServerProcess(List.of(
                "--requirepass",
                secret,
                "--tls-port",
                String.valueOf(tlsPort),
                "--tls-cert-file",
                cert.toString(),
                "--tls-key-file",
                dir.resolve("tls/localhost.key").toString(),
                "--tls-ca-cert-file",
                caFile.toString(),
                "--tls-auth-clients",
                "no"))) {
            // rediss:// with the CA file and the password from redis_password_file. The node starts before its Redis
            // and waits for it; Redis runs without AOF, so the node warns at start, with the URI; then Redis dies
            // under it.
            redis.stop();
            Path tlsConfig = config("redis: rediss://localhost:" + tlsPort + "\nredis_password_file: " + passwordFile
                    + "\nredis_ca_file: " + caFile + "\n");
            Process node = start(Map.of(), "--config", tlsConfig.toString());
            OutputLines out = new OutputLines("tls-node", node.getInputStream());
            out.awaitRaw("cannot reach Redis at rediss://localhost:" + tlsPort + " yet (", Duration.ofSeconds(60));
            assertThat(node.isAlive()).isTrue();
            redis.restart();
            out.awaitRaw("Spartan server started on port", Duration.ofSeconds(60));
            assertThat(out.lines()).anyMatch(l -> l.endsWith("Redis at rediss://localhost:" + tlsPort + " answers"));
            assertThat(out.lines())
                    .anyMatch(l -> l.contains("Redis at rediss://localhost:" + tlsPort + " runs without AOF"));
            assertThat(Files.readString(Path.of("/proc/" + node.pid() + "/cmdline")))
                    .as("what ps shows")
                    .doesNotContain(secret);
            redis.stop();
            out.awaitRaw("store lost (Redis is unavailable", Duration.ofSeconds(30));
            node.destroy();
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
            everyLine.addAll(out.lines());

            redis.restart();

            // A password on the command line is refused, and the refusal does not repeat it.
            Run flag = run(Map.of(), "--redis", "redis://:" + secret + "@127.0.0.1:" + redis.port());
            assertThat(flag.exit).isEqualTo(2);
            assertThat(flag.lines)
                    .containsExactly("spartan server: --redis: redis://:***@127.0.0.1:" + redis.port()
                            + " holds a password, which ps shows to every user of this machine: put it in"
                            + " SPARTAN_REDIS_PASSWORD or in the file redis_password_file names");

            // A wrong password from the environment: refused at once (waiting would not help), exit 2.
            String wrong = secret + "-wrong";
            Run refused = run(Map.of("SPARTAN_REDIS_PASSWORD", wrong), "--redis", redis.uri());
            assertThat(refused.exit).isEqualTo(2);
            assertThat(refused.lines)
                    .singleElement()
                    .asString()
                    .startsWith("spartan server: Redis at " + redis.uri() + " refused the password (WRONGPASS")
                    .doesNotContain(wrong);

            // TLS to a server whose CA the node was not given: refused at once, exit 2.
            Run untrusted = run(Map.of("SPARTAN_REDIS_PASSWORD", secret), "--redis", "rediss://localhost:" + tlsPort);
            assertThat(untrusted.exit).isEqualTo(2);
            assertThat(untrusted.lines)
                    .singleElement()
                    .asString()
                    .startsWith("spartan server: TLS to Redis at rediss://localhost:" + tlsPort + " failed (");

            // A Redis that never answers: retried for redis_start_wait_seconds, then exit 3 (a supervisor starts
            // the node again), the URI printed without its password.
            int nobody = Ports.free();
            Run unreachable = run(
                    Map.of(),
                    "--config",
                    config("redis: redis://:" + secret + "@127.0.0.1:" + nobody + "\nredis_start_wait_seconds: 1\n")
                            .toString());
            assertThat(unreachable.exit).isEqualTo(3);
            assertThat(unreachable.lines)
                    .anyMatch(l -> l.contains(
                            "cannot reach Redis at redis://:***@127.0.0.1:" + nobody + " yet (Connection refused"))
                    .last()
                    .asString()
                    .startsWith("spartan server: cannot reach Redis at redis://:***@127.0.0.1:" + nobody
                            + " (tried for 1 s): Connection refused");
        }
        assertThat(everyLine).hasSizeGreaterThan(10).noneMatch(l -> l.contains(secret));
    }

    private record Run(int exit, List<String> lines) {}

    private Run run(Map<String, String> env, String... args) throws Exception {
        Process p = start(env, args);
        OutputLines out = new OutputLines("node", p.getInputStream());
        boolean ended = p.waitFor(30, TimeUnit.SECONDS);
        p.destroyForcibly();
        assertThat(ended).as(out.dump()).isTrue();
        out.awaitEnd();
        everyLine.addAll(out.lines());
        return new Run(p.exitValue(), out.lines());
    }

    private Process start(Map<String, String> env, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(
                "server",
                "--drain-seconds",
                "0",
                "--port",
                String.valueOf(Ports.free()),
                "--data",
                dir.resolve("data-" + everyLine.size()).toString()));
        all.addAll(List.of(args));
        ProcessBuilder pb = SpartanJar.command(all.toArray(String[]::new)).redirectErrorStream(true);
        pb.environment().putAll(env);
        return pb.start();
    }

    private Path config(String redisKeys) throws Exception {
        Path file = dir.resolve("config-" + Integer.toHexString(redisKeys.hashCode()) + ".yaml");
        return Files.writeString(file, Files.readString(Path.of("config.yaml")) + "\n" + redisKeys);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
