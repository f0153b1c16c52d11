package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.Ports;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.ServerRun;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each mistake an operator can make at start gets one line on stderr, no stack trace, and exit code 2. */
class StartupMistakesIT {
    @TempDir
    Path dir;

    private ServerRun server(String... args) throws Exception {
        return ServerRun.of(dir, args);
    }

    private static void assertOneLine(ServerRun run, String expected) {
        assertThat(run.stderr().lines().toList()).as(run.stderr()).containsExactly("spartan server: " + expected);
        assertThat(run.exit()).as(run.stderr()).isEqualTo(2);
    }

    private Path config(String extra) throws Exception {
        Path file = dir.resolve("config-" + Integer.toHexString(extra.hashCode()) + ".yaml");
        Files.writeString(file, Files.readString(Path.of("config.yaml")) + extra);
        return file;
    }

    @Test
    void portInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            assertOneLine(
                    server("--port", String.valueOf(port)),
                    "port " + port + " is already in use (is another node or program listening there?)");
        }
    }

    @Test
    void metricsPortInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            assertOneLine(
                    server("--port", String.valueOf(Ports.free()), "--metrics-port", String.valueOf(port)),
                    "metrics port " + port + " is already in use (is another node or program listening there?)");
        }
    }

    @Test
    void portOutOfRange() throws Exception {
        assertOneLine(server("--port", "70000"), "--port 70000 is out of range 1..65535");
        assertOneLine(server("--metrics-port", "0"), "--metrics-port 0 is out of range 1..65535");
    }

    @Test
    void bindToAnAddressThatIsNotThisMachines() throws Exception {
        int port = Ports.free();
        ServerRun run = server("--port", String.valueOf(port), "--bind", "192.0.2.1"); // TEST-NET-1: never local
        assertThat(run.stderr().lines().toList())
                .singleElement()
                .asString()
                .startsWith("spartan server: cannot listen on 192.0.2.1, port " + port + ": ");
        assertThat(run.exit()).isEqualTo(2);
    }

    @Test
    void dataDirectoryLockedByAnotherNode() throws Exception {
        try (ServerProcess first = new ServerProcess(dir.resolve("first"), ServerProcess.defaultConfig())) {
            Path data = first.dataDir();
            assertOneLine(
                    server("--port", String.valueOf(Ports.free()), "--data", data.toString()),
                    "data directory " + data.toAbsolutePath().normalize()
                            + " is in use by another running node (its store file is locked); give this node its"
                            + " own --data");
        }
    }

    @Test
    void unsupportedRedisScheme() throws Exception {
        assertOneLine(
                server("--redis", "http://127.0.0.1:6379"),
                "--redis: unsupported scheme 'http' in http://127.0.0.1:6379: only redis://, rediss:// (TLS) and"
                        + " redis-cluster://host:port,host:port (Redis Cluster) are supported, e.g."
                        + " redis://127.0.0.1:6379");
        Path file = config("redis: mongodb://db:27017\n");
        assertOneLine(
                server("--config", file.toString()),
                file + ": key 'redis': unsupported scheme 'mongodb' in mongodb://db:27017: only redis://, rediss://"
                        + " (TLS) and redis-cluster://host:port,host:port (Redis Cluster) are supported, e.g."
                        + " redis://127.0.0.1:6379");
    }

    @Test
    void unknownConfigKeyNamesTheNearestKnownOne() throws Exception {
        Path file = config("max_mesage_bytes: 1000\n");
        assertOneLine(
                server("--config", file.toString()),
                file + ": unknown key 'max_mesage_bytes' (did you mean 'max_message_bytes'?)");
    }

    @Test
    void yamlSyntaxErrorGivesLineAndColumn() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "port: 3000\nusers: [alice, bob\ngroups:\n  g: [alice]\n");
        ServerRun run = server("--config", file.toString());
        assertThat(run.stderr().lines().toList())
                .singleElement()
                .asString()
                .matches("spartan server: " + java.util.regex.Pattern.quote(file.toString())
                        + ": not valid YAML at line \\d+, column \\d+: .+");
        assertThat(run.exit()).isEqualTo(2);
    }

    @Test
    void bindAcceptsALoopbackAddress() throws Exception {
        // The other side of --bind: a valid address works, and the node listens there.
        try (ServerProcess node =
                new ServerProcess(dir.resolve("bound"), ServerProcess.defaultConfig(), "--bind", "127.0.0.1")) {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), node.port())) {
                assertThat(s.isConnected()).isTrue();
            }
        }
    }
}
