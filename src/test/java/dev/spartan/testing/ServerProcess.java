package dev.spartan.testing;

import static org.awaitility.Awaitility.await;

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
    private String fingerprint;

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
        if (!extraArgs.contains("--drain-seconds")) {
            args.addAll(List.of("--drain-seconds", "0")); // tests stop servers often; the drain has its own test
        }
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
        int started;
        try {
            started = out.awaitLineWhileOpen("Spartan server started on port " + port + ".", Duration.ofSeconds(30));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n----- its stderr (" + log + ") -----\n" + log(), e);
        }
        if (started < 0) {
            throw new AssertionError("server:" + port + " exited (" + awaitExit(Duration.ofSeconds(5))
                    + ") before it started: " + out.dump() + "\n----- its stderr (" + log + ") -----\n" + log());
        }
        if (!extraArgs.contains("--plaintext")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> out.lines().size() > started + 1);
            String next = out.lines().get(started + 1);
            if (!next.startsWith(FINGERPRINT)) {
                throw new IllegalStateException("no fingerprint after the started line: " + out.dump());
            }
            fingerprint = next.substring(FINGERPRINT.length());
        }
    }

    /** The line after the started line: the TLS certificate's fingerprint (not printed with --plaintext). */
    public static final String FINGERPRINT = "TLS certificate SHA-256 fingerprint: ";

    /** The fingerprint the server printed at its last start; null with --plaintext. */
    public String fingerprint() {
        return fingerprint;
    }

    public OutputLines out() {
        return out;
    }

    /**
     * Makes the server that will use {@code dir} present the same TLS certificate as this one, as an operator would
     * keep the certificate of a node whose store was replaced.
     */
    public void shareCertificateWith(Path dir) {
        copyCertificate(dataDir(), dir);
    }

    /** Copies the TLS certificate and key of the node with data directory {@code data} to the node that uses dir. */
    static void copyCertificate(Path data, Path dir) {
        try {
            Path to = dir.resolve("data").resolve("tls");
            Files.createDirectories(to);
            for (String f : List.of("server.crt", "server.key")) {
                Files.copy(data.resolve("tls").resolve(f), to.resolve(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    /** SIGTERM without waiting: the caller watches the graceful stop happen. */
    public void signalTerminate() {
        process.destroy();
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
