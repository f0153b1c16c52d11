package dev.spartan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real Redis Cluster for tests: {@code 2 * primaries} {@code redis-server --cluster-enabled yes} processes on free
 * loopback ports (no persistence, node timeout 1 s), joined by {@code redis-cli --cluster create --cluster-replicas 1}.
 */
public final class RedisClusterProcesses implements AutoCloseable {
    /** A failover test's node timeout: a primary killed is replaced within about a second. */
    public static final int NODE_TIMEOUT_MILLIS = 500;

    /** A node timeout no busy test machine reaches: for tests that must never see a failover. */
    public static final int STEADY_NODE_TIMEOUT_MILLIS = 15_000;

    private final List<RedisServerProcess> nodes = new ArrayList<>();
    private final Path dir;

    public RedisClusterProcesses(Path dir, int primaries) {
        this(dir, primaries, NODE_TIMEOUT_MILLIS);
    }

    /** {@code primaries} primaries with a replica each, which take a node for dead after {@code nodeTimeoutMillis}. */
    public RedisClusterProcesses(Path dir, int primaries, int nodeTimeoutMillis) {
        this.dir = dir;
        try {
            for (int i = 0; i < 2 * primaries; i++) {
                Path nodeDir = Files.createDirectories(dir.resolve("redis" + i));
                nodes.add(new RedisServerProcess(
                        nodeDir,
                        List.of(
                                "--cluster-enabled",
                                "yes",
                                "--cluster-config-file",
                                "nodes.conf",
                                "--repl-diskless-sync-delay",
                                "0", // a restarted node syncs at once, not after 5 s
                                "--cluster-node-timeout",
                                Integer.toString(nodeTimeoutMillis),
                                "--cluster-port",
                                Integer.toString(Ports.free()))));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            String out = run(create);
            if (!out.contains("[OK] All 16384 slots covered")) {
                throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> nodes.stream()
                        .allMatch(n -> cli(n.port(), "cluster", "info").contains("cluster_state:ok")));
    }

    /** {@code redis-cluster://} with the first three nodes as seeds. */
    public String uri() {
        return "redis-cluster://127.0.0.1:" + nodes.get(0).port() + ",127.0.0.1:"
                + nodes.get(1).port() + ",127.0.0.1:" + nodes.get(2).port();
    }

    public List<RedisServerProcess> nodes() {
        return nodes;
    }

    /** The process of the primary that serves {@code key}'s slot now. */
    public RedisServerProcess primaryOf(String key) {
        RedisServerProcess any =
                nodes.stream().filter(RedisServerProcess::isRunning).findFirst().orElseThrow();
        String slot = cli(any.port(), "cluster", "keyslot", key).strip();
        for (String line : cli(any.port(), "cluster", "nodes").split("\n", -1)) {
            String[] f = line.split(" ", -1);
            if (f.length > 8 && f[2].contains("master") && !f[2].contains("fail")) {
                for (int i = 8; i < f.length; i++) {
                    String[] range = f[i].split("-", -1);
                    int from = Integer.parseInt(range[0]);
                    int to = Integer.parseInt(range[range.length - 1]);
                    int s = Integer.parseInt(slot);
                    if (s >= from && s <= to) {
                        int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
                        return nodes.stream()
                                .filter(n -> n.port() == port)
                                .findFirst()
                                .orElseThrow();
                    }
                }
            }
        }
        throw new IllegalStateException("no primary serves slot " + slot);
    }

    /** Whether every slot is served by a live primary (as the cluster sees itself). */
    public boolean allSlotsServed() {
        return nodes.stream()
                .filter(RedisServerProcess::isRunning)
                .allMatch(n -> cli(n.port(), "cluster", "info").contains("cluster_state:ok"));
    }

    public static String cli(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        try {
            return run(cmd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        nodes.forEach(RedisServerProcess::close);
        TempDirs.deleteQuietly(dir);
    }
}
