package dev.spartan.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * The client's pinned peer identity keys (trust on first use), one line per peer in {@code dir/known_identities}:
 * {@code name identityKeyBase64} (libsignal {@code IdentityKey.serialize()}, 33 bytes). A key that differs from the
 * pin is reported, never silently accepted: the server could be substituting its own keys.
 */
public final class PeerKeyStore {
    public static final String FILE_NAME = "known_identities";

    public enum Verdict {
        NEW,
        MATCH,
        CHANGED
    }

    private final Path dir;
    private final Path file;
    private Map<String, IdentityKey> pins;

    public PeerKeyStore(Path dir) throws IOException {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.file = dir.resolve(FILE_NAME);
        this.pins = Files.exists(file) ? load(file) : new TreeMap<>();
    }

    /** NEW pins and saves {@code seen}; CHANGED leaves the old pin in place until {@link #trust}. */
    public synchronized Verdict check(String user, IdentityKey seen) {
        checkName(user);
        Objects.requireNonNull(seen, "seen");
        IdentityKey pinned = pins.get(user);
        if (pinned == null) {
            pin(user, seen);
            return Verdict.NEW;
        }
        return pinned.equals(seen) ? Verdict.MATCH : Verdict.CHANGED;
    }

    /** Pins {@code key} for {@code user}, replacing any earlier pin (after the user verified it). */
    public synchronized void trust(String user, IdentityKey key) {
        checkName(user);
        pin(user, Objects.requireNonNull(key, "key"));
    }

    public synchronized Optional<IdentityKey> pinned(String user) {
        return Optional.ofNullable(pins.get(Objects.requireNonNull(user, "user")));
    }

    // Save first, then publish: a failed write must not leave a pin in memory that is gone after a restart.
    private void pin(String user, IdentityKey key) {
        Map<String, IdentityKey> next = new TreeMap<>(pins);
        next.put(user, key);
        try {
            save(next);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + file, e);
        }
        pins = next;
    }

    private void save(Map<String, IdentityKey> entries) throws IOException {
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder out = new StringBuilder();
        entries.forEach((user, key) -> out.append(user)
                .append(' ')
                .append(b64.encodeToString(key.serialize()))
                .append('\n'));
        PrivateFiles.createDir(dir);
        PrivateFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, IdentityKey> load(Path file) throws IOException {
        Map<String, IdentityKey> result = new TreeMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split(" ", -1);
            try {
                if (fields.length != 2) {
                    throw new IllegalArgumentException("expected 2 fields, got " + fields.length);
                }
                result.put(fields[0], SignalKeys.identityKey(Base64.getDecoder().decode(fields[1]), "identity key"));
            } catch (IllegalArgumentException e) {
                throw new IOException("corrupt " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return result;
    }

    private static void checkName(String user) {
        Objects.requireNonNull(user, "user");
        if (user.isEmpty() || user.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("user name must be non-empty, without spaces or control characters");
        }
    }
}
