package dev.spartan.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * Peers' libsignal identity keys as first seen (trust on first use), one line per peer in {@code dir/known_identities}:
 * {@code name base64(IdentityKey.serialize())}. Membership statements are checked against these pins, so a server
 * that later hands out another key for a member cannot sign changes in that member's name.
 */
public final class IdentityPins {
    static final String FILE_NAME = "known_identities";

    private final Path dir;
    private final Path file;
    private Map<String, byte[]> pins;

    public IdentityPins(Path dir) throws IOException {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.file = dir.resolve(FILE_NAME);
        this.pins = Files.exists(file) ? load(file) : new TreeMap<>();
    }

    /**
     * The key to trust for {@code user}, given the one the server shows now: the pin, made from {@code seen} on first
     * sight; empty when {@code seen} differs from the pin or is not a usable identity key.
     */
    public synchronized Optional<IdentityKey> check(String user, byte[] seen) {
        Objects.requireNonNull(user, "user");
        IdentityKey key;
        try {
            key = SignalKeys.identityKey(seen, "identity key of " + user);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        byte[] pinned = pins.get(user);
        if (pinned == null) {
            pin(user, seen.clone());
            return Optional.of(key);
        }
        return Arrays.equals(pinned, seen) ? Optional.of(key) : Optional.empty();
    }

    public synchronized Optional<IdentityKey> pinned(String user) {
        byte[] pinned = pins.get(user);
        return pinned == null ? Optional.empty() : Optional.of(SignalKeys.identityKey(pinned, "pinned identity key"));
    }

    // Save first, then publish: a failed write must not leave a pin in memory that is gone after a restart.
    private void pin(String user, byte[] key) {
        if (user.isEmpty() || user.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("user name must be non-empty, without spaces or control characters");
        }
        Map<String, byte[]> next = new TreeMap<>(pins);
        next.put(user, key);
        StringBuilder out = new StringBuilder();
        Base64.Encoder b64 = Base64.getEncoder();
        next.forEach((name, k) ->
                out.append(name).append(' ').append(b64.encodeToString(k)).append('\n'));
        try {
            PrivateFiles.createDir(dir);
            PrivateFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + file, e);
        }
        pins = next;
    }

    private static Map<String, byte[]> load(Path file) throws IOException {
        Map<String, byte[]> result = new TreeMap<>();
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
                result.put(fields[0], Base64.getDecoder().decode(fields[1]));
            } catch (IllegalArgumentException e) {
                throw new IOException("corrupt " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return result;
    }
}
