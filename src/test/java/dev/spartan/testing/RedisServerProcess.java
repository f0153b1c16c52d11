package dev.spartan.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real {@code redis-server} child process for tests, on a free port of 127.0.0.1, without persistence unless
 * {@code extraArgs} ask for it (e.g. {@code --appendonly yes}). Started by the constructor; readiness is detected by
 * reading the server's log on stdout for "Ready to accept connections", not by polling the port.
 *
 * <p>A missing {@code redis-server} fails the test instead of skipping it: a silently skipped Redis test would hide
 * that the shared rate limiter was never exercised.
 */
public final class RedisServerProcess implements AutoCloseable {

    public static final String NOT_FOUND_MESSAGE = "redis-server not found: install it with "
            + "`apt-get install -y redis-server` (the README test command does this)";
    private static final String READY_LINE = "Ready to accept connections";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path executable;
    private final Path dir;
    private final boolean ownsDir;
    private final List<String> extraArgs;
    private final int port;
    private Process process;

    public RedisServerProcess() {
        this(List.of());
    }

    public RedisServerProcess(List<String> extraArgs) {
        this(null, extraArgs);
    }

    /**
     * @param dir       working directory for RDB/AOF files, or {@code null} for a fresh temporary one
     * @param extraArgs more {@code redis-server} arguments, appended after the defaults (so they override them)
     */
    public RedisServerProcess(Path dir, List<String> extraArgs) {
        this.extraArgs = List.copyOf(Objects.requireNonNull(extraArgs, "extraArgs"));
        this.executable = requireInstalled();
        try {
            this.ownsDir = dir == null;
            this.dir = dir != null ? dir : Files.createTempDirectory("redis-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = Ports.free();
        start();
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the server abruptly (SIGKILL), like a crash: clients see the connection drop. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server did not exit after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping redis-server", e);
        }
        process = null;
    }

    /** Stops the server if running and starts it again on the same port and directory. */
    public synchronized void restart() {
        stop();
        start();
    }

    /** Stops the server; deletes its directory if this object created it (a caller-given one is left alone). */
    @Override
    public void close() {
        stop();
        if (ownsDir) {
            TempDirs.deleteQuietly(dir);
        }
    }

    private synchronized void start() {
        List<String> cmd = new ArrayList<>(List.of(
                executable.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString()));
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        Thread reader = new Thread(() -> drain(p, ready, log), "redis-server-" + port + "-log");
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            p.destroyForcibly();
            String output;
            synchronized (log) {
                output = log.toString();
            }
            throw new IllegalStateException("redis-server did not become ready on port " + port + ":\n" + output, e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting redis-server", e);
        }
        process = p;
    }

    /** Reads the log until EOF: after readiness it keeps draining so a full pipe can never block redis-server. */
    private static void drain(Process p, CompletableFuture<Void> ready, StringBuilder log) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!ready.isDone()) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    if (line.contains(READY_LINE)) {
                        ready.complete(null);
                    }
                }
            }
        } catch (IOException e) {
            // The stream closes when the process dies; readiness below reports it.
        }
        ready.completeExceptionally(new IllegalStateException("redis-server exited"));
    }

    /** The redis-server executable on PATH; fails, saying how to install it, when there is none. */
    public static Path requireInstalled() {
        return findOnPath("redis-server");
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator, -1)) {
                if (d.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(d, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException(NOT_FOUND_MESSAGE);
    }
}
