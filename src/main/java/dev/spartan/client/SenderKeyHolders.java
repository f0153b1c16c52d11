package dev.spartan.client;

import dev.spartan.crypto.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Per group, this device's current sender key: its distribution id, the view it was made under, and the reader
 * devices known to hold it. Kept in {@code sender_keys/groups} (mode 600, replaced atomically), one line a group:
 * {@code base64(group) TAB distribution-id TAB base64(view) TAB holder,holder,...}. Losing the file only costs a
 * rotation: the next message makes a new key and gives it to every reader.
 */
final class SenderKeyHolders {
    /** One group's key; {@code view} names the members and readers it was made for (a change rotates it). */
    record Current(UUID distributionId, String view, Set<String> holders) {}

    private final Path file;
    private final Map<String, Current> groups = new HashMap<>();
    private boolean dirty;

    SenderKeyHolders(Path dir) throws IOException {
        this.file = dir.resolve("groups");
        if (!Files.exists(file)) {
            return;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f.length != 4) {
                continue; // not a line this version wrote: the group rotates at its next message
            }
            Set<String> holders = new LinkedHashSet<>();
            for (String h : f[3].split(",", -1)) {
                if (!h.isEmpty()) {
                    holders.add(h);
                }
            }
            groups.put(decode(f[0]), new Current(UUID.fromString(f[1]), decode(f[2]), holders));
        }
    }

    synchronized Current get(String group) {
        return groups.get(group);
    }

    synchronized void put(String group, Current current) {
        groups.put(group, current);
        dirty = true;
    }

    /** Adds holders of {@code distributionId} if it is still the group's key. */
    synchronized void hold(String group, UUID distributionId, Set<String> devices) {
        Current c = groups.get(group);
        if (c != null
                && c.distributionId().equals(distributionId)
                && !c.holders().containsAll(devices)) {
            Set<String> holders = new LinkedHashSet<>(c.holders());
            holders.addAll(devices);
            groups.put(group, new Current(distributionId, c.view(), holders));
            dirty = true;
        }
    }

    synchronized void sync() {
        if (!dirty) {
            return;
        }
        StringBuilder out = new StringBuilder();
        groups.forEach((group, c) -> out.append(encode(group))
                .append('\t')
                .append(c.distributionId())
                .append('\t')
                .append(encode(c.view()))
                .append('\t')
                .append(String.join(",", c.holders()))
                .append('\n'));
        try {
            PrivateFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + file, e);
        }
        dirty = false;
    }

    private static String encode(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
