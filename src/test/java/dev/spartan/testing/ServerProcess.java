package dev.spartan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real {@code spartan server} process on a free port, with its own config and data directory. */
public final class ServerProcess implements AutoCloseable {
    private final Path dir;
    private final Path config;
    private final int port;
    private final List<String> extraArgs;
    private Process process;
    private OutputLines out;
    private Path log;

    /** @param configBody config.yaml text; its port is replaced by a free one */
    public ServerProcess(Path dir, String configBody, String... extraArgs) {
        this(dir, configBody, Ports.free(), extraArgs);
    }

    public ServerProcess(Path dir, String configBody, int port, String... extraArgs) {
        this.dir = dir;
        this.port = port;
        this.extraArgs = List.of(extraArgs);
        try {
            Files.createDirectories(dir);
            config = dir.resolve("config-" + port + ".yaml");
            Files.writeString(config, configBody.replaceFirst("(?m)^port:.*$", "port: " + port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    public static String defaultConfig() {
        try {
            return Files.readString(Path.of("config.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void start() {
        List<String> args = new ArrayList<>(List.of(
                "server",
                "--config",
                config.toString(),
                "--data",
                dir.resolve("data").toString()));
        args.addAll(extraArgs);
        log = dir.resolve("server-" + port + ".log");
        try {
            process = SpartanJar.command(args.toArray(String[]::new))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out = new OutputLines("server:" + port, process.getInputStream());
        out.awaitLine("Spartan server started on port " + port + ".", Duration.ofSeconds(30));
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return log;
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public long pid() {
        return process.pid();
    }

    /** Waits for the process to end by itself; its exit status, or -1 if it still runs after {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** What the server wrote to stderr so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL: a crash, nothing flushed on purpose. */
    public void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** SIGTERM: the graceful path. */
    public void terminate() {
        process.destroy();
        waitFor();
    }

    private void waitFor() {
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
