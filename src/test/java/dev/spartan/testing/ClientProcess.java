package dev.spartan.testing;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real {@code spartan client NAME} process driven through its stdin, as a person at a terminal would. */
public final class ClientProcess implements AutoCloseable {
    private final Process process;
    private final Writer stdin;
    private final OutputLines out;
    /** stderr, when it is kept apart from stdout; else null. */
    private final OutputLines err;

    private final String user;

    public ClientProcess(String user, Path keysRoot, int port, String... extraArgs) {
        this(user, keysRoot, port, true, null, extraArgs);
    }

    /** A client run in {@code workDir}: where no config.yaml lies, as on a user's own machine. */
    public static ClientProcess in(Path workDir, String user, Path keysRoot, int port, String... extraArgs) {
        return new ClientProcess(user, keysRoot, port, true, workDir, extraArgs);
    }

    /**
     * A client whose stdout is read alone (what a script reading it gets), its stderr apart in {@link #err}.
     */
    public static ClientProcess stdoutApart(String user, Path keysRoot, int port, String... extraArgs) {
        return new ClientProcess(user, keysRoot, port, false, null, extraArgs);
    }

    private ClientProcess(
            String user, Path keysRoot, int port, boolean mergeStderr, Path workDir, String... extraArgs) {
        this.user = user;
        List<String> args = new ArrayList<>(List.of(
                "client",
                user,
                "--port",
                String.valueOf(port),
                "--keys",
                keysRoot.resolve(user).toAbsolutePath().toString()));
        args.addAll(List.of(extraArgs));
        try {
            process = SpartanJar.command(args.toArray(String[]::new))
                    .directory(workDir == null ? null : workDir.toFile())
                    .redirectErrorStream(mergeStderr)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        out = new OutputLines(user, process.getInputStream());
        err = mergeStderr ? null : new OutputLines(user + " (stderr)", process.getErrorStream());
    }

    public String user() {
        return user;
    }

    public ClientProcess type(String line) {
        out.typed();
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(user + "'s client is gone; output:\n" + out.dump(), e);
        }
        return this;
    }

    public OutputLines out() {
        return out;
    }

    public OutputLines err() {
        if (err == null) {
            throw new IllegalStateException("stderr is merged into stdout: make the client with stdoutApart");
        }
        return err;
    }

    public int awaitLine(String line) {
        return out.awaitLine(line);
    }

    /** Closes stdin (Ctrl-D) and returns the exit code. */
    public int quit() {
        try {
            stdin.close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            return process.isAlive() ? -1 : process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public int awaitExit() {
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                return -1;
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * kill -9. Through the process handle: {@code Process.destroyForcibly} also closes the pipes, which throws away
     * what the process wrote just before and this side had not read yet (a test would count those lines as lost).
     */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    @Override
    public String toString() {
        return user + "'s client";
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
