package dev.spartan.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shaded jar that failsafe built in the package phase, run as separate processes. */
public final class SpartanJar {
    private SpartanJar() {}

    public static Path path() {
        Path jar = Path.of(System.getProperty("spartan.jar", "target/spartan.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests with `mvn verify` (./spartan test)");
        }
        return jar;
    }

    public static ProcessBuilder command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                // libsignal's native library, which the build puts beside the jar (see pom.xml)
                "-Djava.library.path=" + path().toAbsolutePath().getParent().resolve("native"),
                "-jar",
                path().toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }
}
