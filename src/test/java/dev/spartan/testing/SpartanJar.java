package dev.spartan.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shaded jar that failsafe built in the package phase, run as separate processes.
 *
 * <p>The suite starts hundreds of these JVMs, and loading and verifying the jar's classes is most of what each costs
 * before it does anything. So the first process of a build trains two class-data-sharing archives (JDK 17's dynamic
 * CDS): a server and a client that chat once, each dumping the classes it loaded when it exits. Every later server
 * maps {@code server.jsa}, every other command {@code client.jsa}. An archive older than the jar is trained again;
 * one the JVM cannot use is ignored in silence (the JVM's own warning would land on stdout, which tests read).
 */
public final class SpartanJar {
    private static final Duration TRAINING = Duration.ofSeconds(90);
    private static boolean trained;

    private SpartanJar() {}

    public static Path path() {
        Path jar = Path.of(System.getProperty("spartan.jar", "target/spartan.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests with `mvn verify` (./spartan test)");
        }
        return jar;
    }

    public static ProcessBuilder command(String... args) {
        return java(sharing(args.length > 0 && args[0].equals("server") ? "server" : "client"), args);
    }

    /**
     * A main class of the test classes in a JVM of its own, beside the jar's classes: the jar comes first on the
     * class path, as it was when the client archive was trained, so that this JVM maps that archive too.
     */
    public static ProcessBuilder testMain(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions(sharing("client")));
        cmd.addAll(List.of(
                "-cp",
                path() + File.pathSeparator + Path.of("target", "test-classes").toAbsolutePath(),
                main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /**
     * The flags of a test's server process, for servers that a command under test starts itself: {@code spartan
     * bench} takes them in {@code SPARTAN_BENCH_SERVER_OPTS}.
     */
    public static String serverJvmOptions() {
        return String.join(" ", jvmOptions(sharing("server")));
    }

    private static String sharing(String kind) {
        Path archive = archive(kind);
        ensureTrained();
        return Files.isRegularFile(archive) ? "-XX:SharedArchiveFile=" + archive : "-Xshare:auto";
    }

    /**
     * A test's child JVM lives for seconds: the C2 compiler, a parallel collector and a second compiler thread cost
     * more CPU than they save (one C1 thread instead of two: a third less CPU for OneToOneChatIT and ChaosIT, measured;
     * what a short-lived JVM never gets round to compiling it did not need compiled).
     */
    private static List<String> jvmOptions(String sharing) {
        return List.of(
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:CICompilerCount=1",
                sharing,
                "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off");
    }

    private static ProcessBuilder java(String sharing, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions(sharing));
        // libsignal's native library, which the build puts beside the jar (see pom.xml)
        cmd.add("-Djava.library.path=" + path().toAbsolutePath().getParent().resolve("native"));
        cmd.addAll(List.of("-jar", path().toAbsolutePath().toString())); // any working directory
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    private static Path archive(String kind) {
        return path().toAbsolutePath().getParent().resolve("cds").resolve(kind + ".jsa");
    }

    /** Trains the archives once per build; test JVMs running in parallel wait for the one that trains. */
    private static synchronized void ensureTrained() {
        if (trained) {
            return;
        }
        trained = true; // one attempt per test JVM: a failed training leaves the suite on plain starts
        Path dir = archive("server").getParent();
        try {
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(
                            dir.resolve("training.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                if (!fresh(archive("server")) || !fresh(archive("client"))) {
                    train(dir);
                }
            }
        } catch (IOException e) {
            System.err.println("SpartanJar: no class-data-sharing archives (" + e + "); JVMs start without them");
        }
    }

    private static boolean fresh(Path archive) throws IOException {
        return Files.isRegularFile(archive)
                && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(path())) > 0;
    }

    /** A server and two clients that open a chat and exchange a message each way, then stop as a person would. */
    private static void train(Path dir) throws IOException {
        Path work = Files.createTempDirectory("spartan-cds");
        int port = Ports.free();
        Path config = work.resolve("config.yaml");
        Files.writeString(config, ServerProcess.defaultConfig().replaceFirst("(?m)^port:.*$", "port: " + port));
        Path serverArchive = dir.resolve("server.jsa.new");
        Path clientArchive = dir.resolve("client.jsa.new");
        Process server = java(
                        "-XX:ArchiveClassesAtExit=" + serverArchive,
                        "server",
                        "--config",
                        config.toString(),
                        "--data",
                        work.resolve("data").toString(),
                        "--drain-seconds",
                        "0")
                .redirectErrorStream(true)
                .start();
        try {
            OutputLines serverOut = new OutputLines("training server", server.getInputStream());
            serverOut.awaitLine("Spartan server started on port " + port + ".", TRAINING);
            Process bob = java("-Xshare:auto", "client", "bob", "--port", "" + port, "--keys", work + "/keys/bob")
                    .redirectErrorStream(true)
                    .start();
            Process alice = java(
                            "-XX:ArchiveClassesAtExit=" + clientArchive,
                            "client",
                            "alice",
                            "--port",
                            "" + port,
                            "--keys",
                            work + "/keys/alice")
                    .redirectErrorStream(true)
                    .start();
            OutputLines bobOut = new OutputLines("training bob", bob.getInputStream());
            OutputLines aliceOut = new OutputLines("training alice", alice.getInputStream());
            try (Writer toAlice = new OutputStreamWriter(alice.getOutputStream(), StandardCharsets.UTF_8);
                    Writer toBob = new OutputStreamWriter(bob.getOutputStream(), StandardCharsets.UTF_8)) {
                bobOut.awaitRaw(Chats.ENTER_USER, TRAINING);
                aliceOut.awaitRaw(Chats.ENTER_USER, TRAINING);
                say(toAlice, "bob");
                bobOut.awaitRaw(Chats.requestPrompt("alice"), TRAINING);
                say(toBob, "yes");
                aliceOut.awaitLine("[Spartan] bob accepted your chat request.", TRAINING);
                say(toAlice, "hello");
                bobOut.awaitLine("[alice] hello", TRAINING);
                say(toBob, "hi");
                aliceOut.awaitLine("[bob] hi", TRAINING);
                say(toAlice, "/help");
            } // end of input: both clients quit
            waitFor(alice);
            waitFor(bob);
            server.destroy(); // SIGTERM: the JVM exits and dumps what it loaded
            waitFor(server);
            if (Files.isRegularFile(serverArchive) && Files.isRegularFile(clientArchive)) {
                Files.move(serverArchive, archive("server"), StandardCopyOption.REPLACE_EXISTING);
                Files.move(clientArchive, archive("client"), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            server.destroyForcibly();
            TempDirs.deleteQuietly(work);
        }
    }

    private static void say(Writer stdin, String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    private static void waitFor(Process p) {
        try {
            if (!p.waitFor(TRAINING.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while training", e));
        }
    }
}
