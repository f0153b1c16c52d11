package dev.spartan.tls;

import dev.spartan.crypto.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The client's pins of server certificates, like SSH's known_hosts: one line per server, {@code host:port
 * FINGERPRINT}, where the target is exactly as the user typed it. Several clients of one home may connect at once,
 * so every change re-reads the file under a lock and replaces it atomically.
 */
public final class KnownServers {
    public static final String FILE_NAME = "known_servers";

    private final Path file;

    public KnownServers(Path file) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
    }

    public Path file() {
        return file;
    }

    public Optional<Fingerprint> pinned(String target) {
        return Optional.ofNullable(read().get(target));
    }

    /** Pins {@code target} to {@code seen} unless a pin exists; returns the pin in force afterwards. */
    public Fingerprint pinIfAbsent(String target, Fingerprint seen) {
        return update(pins -> {
            Fingerprint existing = pins.putIfAbsent(target, seen);
            return existing != null ? existing : seen;
        });
    }

    /** Moves the pin of {@code target} from {@code from} to {@code to} (after a verified rotation). */
    public void repin(String target, Fingerprint from, Fingerprint to) {
        update(pins -> {
            pins.replace(target, from, to);
            return to;
        });
    }

    /** Applies {@code change} to the pins under the lock and writes them if they changed. */
    private Fingerprint update(java.util.function.Function<Map<String, Fingerprint>, Fingerprint> change) {
        try {
            PrivateFiles.createDir(file.getParent());
            try (FileChannel lockFile = FileChannel.open(
                            file.resolveSibling(FILE_NAME + ".lock"),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                Map<String, Fingerprint> pins = read();
                Map<String, Fingerprint> before = new LinkedHashMap<>(pins);
                Fingerprint result = change.apply(pins);
                if (!pins.equals(before)) {
                    StringBuilder out = new StringBuilder();
                    pins.forEach((t, f) -> out.append(t).append(' ').append(f).append('\n'));
                    PrivateFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
                }
                return result;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Fingerprint> read() {
        Map<String, Fingerprint> pins = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return pins;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.strip().split("\\s+", -1);
                if (parts.length == 2 && !parts[0].startsWith("#")) {
                    Fingerprint.parse(parts[1]).ifPresent(f -> pins.put(parts[0], f));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return pins;
    }
}
