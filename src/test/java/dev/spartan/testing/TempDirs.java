package dev.spartan.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Temporary directories that helpers make outside a test's {@code @TempDir}. */
final class TempDirs {
    private TempDirs() {}

    /** Deletes {@code dir} and all below it, as far as it can: a leftover temp directory is harmless. */
    static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort, as documented
        }
    }
}
