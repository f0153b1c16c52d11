package dev.spartan.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis of a bench setup: one {@code redis-server}, or a Redis Cluster of three primaries and three replicas
 * (node timeout 1 s, no persistence), and the commands its primaries processed (for "Redis commands per delivered
 * message").
 */
final class BenchRedis {
    final String uri;
    final List<Long> pids;
    private final List<Integer> ports;

    private BenchRedis(String uri, List<Long> pids, List<Integer> ports) {
        this.uri = uri;
        this.pids = pids;
        this.ports = ports;
    }

    static BenchRedis single(Processes children) throws IOException {
        int port = Processes.freePort();
        long pid = children.redis(port).pid();
        return new BenchRedis("redis://127.0.0.1:" + port, List.of(pid), List.of(port));
    }

    static BenchRedis cluster(Processes children, Path work) throws IOException {
        List<Long> pids = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int port = Processes.freePort();
            Path dir = Files.createDirectories(work.resolve("redis-cluster-" + port));
            pids.add(children.redisClusterNode(port, Processes.freePort(), dir).pid());
            ports.add(port);
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        String out = run(create);
        if (!out.contains("All 16384 slots covered")) {
            throw new IOException("redis-cli --cluster create failed: " + out);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int port : ports) {
            while (!run(List.of("redis-cli", "-p", String.valueOf(port), "cluster", "info"))
                    .contains("cluster_state:ok")) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the Redis Cluster did not become ready");
                }
                sleep();
            }
        }
        return new BenchRedis("redis-cluster://127.0.0.1:" + ports.get(0) + ",127.0.0.1:" + ports.get(1), pids, ports);
    }

    /** Commands processed so far by the primaries (replicas only replay them). */
    long commands() {
        long sum = 0;
        for (int port : ports) {
            try {
                String info = run(List.of("redis-cli", "-p", String.valueOf(port), "info", "all"));
                if (!info.contains("role:master")) {
                    continue;
                }
                for (String line : info.split("\r?\n", -1)) {
                    if (line.startsWith("total_commands_processed:")) {
                        sum += Long.parseLong(
                                line.substring(line.indexOf(':') + 1).strip());
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return sum;
    }

    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(100); // polling a process that has no readiness signal for the cluster as a whole
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
