package dev.spartan.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Child processes of the bench: server nodes, the relay, redis-server. All die with the bench. */
final class Processes implements AutoCloseable {
    private final List<Process> children = new ArrayList<>();
    /** The heap bound of the Spartan processes started from now on. */
    private String maxHeap = "-Xmx1g";

    /** Starts the next Spartan processes with this heap bound ({@code -Xmx256m}): a bound a bench can show. */
    Processes maxHeap(String option) {
        this.maxHeap = option;
        return this;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Path ownJar() {
        try {
            return Path.of(Processes.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (Exception e) {
            throw new IllegalStateException("cannot find the spartan jar", e);
        }
    }

    /** Starts {@code java -jar spartan.jar args...} and waits for the line that says it is ready. */
    Process spartan(String readyLine, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), maxHeap));
        String extra = System.getenv("SPARTAN_BENCH_SERVER_OPTS"); // e.g. -XX:StartFlightRecording=... to profile
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        // The children find libsignal's native library where this process found it (the launcher sets the path).
        cmd.add("-Djava.library.path=" + System.getProperty("java.library.path"));
        cmd.addAll(List.of("-jar", ownJar().toString()));
        cmd.addAll(List.of(args));
        return start(new ProcessBuilder(cmd), readyLine);
    }

    /**
     * Starts a Spartan server and waits until it listens; {@code extra} are more {@code server} options. Without
     * TLS, like the transport baseline's relay, so that the comparison is of the same transport.
     */
    Process server(Path config, int port, Path data, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "server",
                "--config",
                config.toString(),
                "--port",
                String.valueOf(port),
                "--data",
                data.toString(),
                "--drain-seconds",
                "0",
                "--plaintext"));
        args.addAll(List.of(extra));
        return spartan("Spartan server started", args.toArray(String[]::new));
    }

    Process redis(int port) throws IOException {
        return start(new ProcessBuilder(redisServer(port)), "Ready to accept connections");
    }

    /** One node of a Redis Cluster (see {@link BenchRedis#cluster}). */
    Process redisClusterNode(int port, int busPort, java.nio.file.Path dir) throws IOException {
        List<String> cmd = redisServer(port);
        cmd.addAll(List.of(
                "--dir",
                dir.toString(),
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "1000",
                "--cluster-port",
                String.valueOf(busPort)));
        return start(new ProcessBuilder(cmd), "Ready to accept connections");
    }

    /** A redis-server on loopback that keeps nothing on disk: the bench's data is thrown away. */
    private static List<String> redisServer(int port) {
        return new ArrayList<>(List.of(
                "redis-server",
                "--port",
                String.valueOf(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no"));
    }

    private Process start(ProcessBuilder builder, String readyLine) throws IOException {
        Process p = builder.redirectErrorStream(true).start();
        children.add(p);
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            if (line.contains(readyLine)) {
                                ready.complete(null);
                            }
                        }
                    } catch (IOException e) {
                        // child ended
                    }
                    ready.completeExceptionally(new IOException(builder.command() + " ended before it was ready"));
                },
                "child-output");
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("could not start " + builder.command() + ": " + e.getMessage(), e);
        }
        return p;
    }

    @Override
    public void close() {
        for (Process p : children) {
            p.destroy(); // SIGTERM: servers shut down gracefully (and a profiler can write its recording)
        }
        for (Process p : children) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }
}
