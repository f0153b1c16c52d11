package dev.spartan.client;

import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.PrivateFiles;
import dev.spartan.proto.ChatRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The durable outbox of earlier versions: one file per message in {@code KEYS/outbox/}, written atomically with mode
 * 600 through PrivateFiles, deleted once the server had stored it; file names are a counter, so they load in the
 * order typed. {@link JournalSpool} reads such files once, takes their messages into its journal and deletes them.
 */
final class FileSpool implements Spool {
    static final String DIR = "outbox";
    private static final String MAGIC = "spartan-outbox/1";
    private static final String SUFFIX = ".msg";

    private final Path dir;
    private final Consumer<String> warn;
    private final Map<String, Path> files = new HashMap<>();
    private long next = 1;

    FileSpool(Path keysDir, Consumer<String> warn) {
        this.dir = keysDir.resolve(DIR);
        this.warn = Objects.requireNonNull(warn, "warn");
    }

    Path dir() {
        return dir;
    }

    @Override
    public synchronized List<Entry> load() {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> names;
        try (Stream<Path> list = Files.list(dir)) {
            names = list.sorted().toList();
        } catch (IOException e) {
            warn.accept("cannot read the outbox in " + dir + ": " + e.getMessage());
            return out;
        }
        for (Path file : names) {
            String name = file.getFileName().toString();
            if (name.endsWith(".tmp")) {
                deleteQuietly(file); // a write that a crash interrupted before its rename: never queued
                continue;
            }
            if (!name.endsWith(SUFFIX)) {
                continue;
            }
            try {
                next = Math.max(next, Long.parseLong(name.substring(0, name.length() - SUFFIX.length())) + 1);
                Entry entry = parse(Files.readAllBytes(file));
                files.put(entry.pending().messageId(), file);
                out.add(entry);
            } catch (IOException | RuntimeException e) {
                Path aside = file.resolveSibling(name + ".unreadable");
                try {
                    Files.move(file, aside);
                } catch (IOException ignored) {
                    // Left where it is: it is reported either way.
                }
                warn.accept("an outbox file could not be read and was set aside: " + aside);
            }
        }
        return out;
    }

    @Override
    public synchronized void save(Outbox.Pending pending, boolean held) {
        try {
            PrivateFiles.createDir(dir);
            Path file = files.computeIfAbsent(
                    pending.messageId(), id -> dir.resolve(String.format("%016d", next++) + SUFFIX));
            PrivateFiles.write(file, format(pending, held));
        } catch (IOException e) {
            files.remove(pending.messageId());
            throw new UncheckedIOException("cannot save the message in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void remove(String messageId) {
        Path file = files.remove(messageId);
        if (file != null) {
            deleteQuietly(file);
        }
    }

    private void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            warn.accept("cannot delete " + file + ": " + e.getMessage());
        }
    }

    static byte[] format(Outbox.Pending p, boolean held) {
        String head = MAGIC + "\n"
                + "id: " + p.messageId() + "\n"
                + "to: " + ChatIds.cryptoLabel(p.to()) + "\n"
                + "queued-at: " + p.queuedAtMillis() + "\n"
                + "held: " + (held ? "yes" : "no") + "\n"
                + "\n";
        return (head + p.text()).getBytes(StandardCharsets.UTF_8);
    }

    static Entry parse(byte[] bytes) {
        String all = new String(bytes, StandardCharsets.UTF_8);
        int end = all.indexOf("\n\n");
        if (end < 0) {
            throw new IllegalArgumentException("no blank line after the header");
        }
        String[] head = all.substring(0, end).split("\n", -1);
        if (!head[0].equals(MAGIC)) {
            throw new IllegalArgumentException("not an outbox file");
        }
        Map<String, String> fields = new HashMap<>();
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(": ");
            if (colon > 0) {
                fields.put(head[i].substring(0, colon), head[i].substring(colon + 2));
            }
        }
        Outbox.Pending p = new Outbox.Pending(
                Objects.requireNonNull(fields.get("id"), "id"),
                recipient(Objects.requireNonNull(fields.get("to"), "to")),
                all.substring(end + 2),
                Long.parseLong(fields.getOrDefault("queued-at", "0")));
        return new Entry(p, "yes".equals(fields.get("held")));
    }

    /** The chat of a label as {@link ChatIds#cryptoLabel} writes it: {@code @bob} or {@code #group1}. */
    static ChatRef recipient(String to) {
        if (to.startsWith("@") && to.length() > 1) {
            return ChatIds.toUser(to.substring(1));
        }
        if (to.startsWith("#") && to.length() > 1) {
            return ChatIds.toGroup(to.substring(1));
        }
        throw new IllegalArgumentException("bad recipient " + to);
    }
}
