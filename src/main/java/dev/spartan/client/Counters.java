package dev.spartan.client;

import dev.spartan.crypto.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-conversation message counters, in {@code KEYS/counters} (owner-only, replaced atomically): the next number
 * this user sends in each conversation, the next one expected from each sender in each, and the numbers the last
 * {@value #KEPT_IDS} outgoing messages got. All survive a restart: a number used twice would make a reader drop a real
 * message as a replay, a forgotten one would hide a gap, and a message resent after a restart must keep its number
 * (else the reader, holding the first copy, would see the next one skipped).
 */
final class Counters {
    static final String FILE = "counters";
    /** More than a send window of sealed, unanswered messages, the ones a restart can resend. */
    static final int KEPT_IDS = 512;

    private final Path file;
    // "out\t<conversation>" and "in\t<sender>\t<conversation>" -> next number
    private final Map<String, Long> next = new TreeMap<>();
    // The number each recent message id got, so a retry (same id, sealed again) carries the same number.
    private final Map<String, Long> assigned = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 10_000;
        }
    });

    Counters(Path keysDir) throws IOException {
        this.file = keysDir.resolve(FILE);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int tab = line.lastIndexOf('\t');
                if (tab > 0) {
                    try {
                        long n = Long.parseLong(line.substring(tab + 1));
                        if (line.startsWith("id\t")) {
                            assigned.put(line.substring(3, tab), n);
                        } else {
                            next.put(line.substring(0, tab), n);
                        }
                    } catch (NumberFormatException e) {
                        throw new IOException("corrupt " + file + ": " + line, e);
                    }
                }
            }
        }
    }

    /** The number of an outgoing message, from 1 per conversation; the same for the same id. */
    synchronized long outgoing(String messageId, String conversation) {
        Long known = assigned.get(messageId);
        if (known != null) {
            return known;
        }
        String key = "out\t" + conversation;
        long n = next.getOrDefault(key, 1L);
        next.put(key, n + 1);
        assigned.put(messageId, n);
        save();
        return n;
    }

    /** The next number expected from {@code sender} in {@code conversation}; 0 if nothing came yet. */
    synchronized long expected(String sender, String conversation) {
        return next.getOrDefault("in\t" + sender + "\t" + conversation, 0L);
    }

    synchronized void expect(String sender, String conversation, long n) {
        next.put("in\t" + sender + "\t" + conversation, n);
        save();
    }

    /** Forgets every number to and from {@code peer}: their identity changed, so counting starts again. */
    synchronized void forget(String peer) {
        next.keySet().removeIf(k -> k.equals("out\t@" + peer) || k.startsWith("in\t" + peer + "\t"));
        save();
    }

    private void save() {
        StringBuilder out = new StringBuilder();
        new HashMap<>(next)
                .forEach((k, v) -> out.append(k).append('\t').append(v).append('\n'));
        List<Map.Entry<String, Long>> ids;
        synchronized (assigned) {
            ids = new ArrayList<>(assigned.entrySet());
        }
        for (Map.Entry<String, Long> e : ids.subList(Math.max(0, ids.size() - KEPT_IDS), ids.size())) {
            out.append("id\t")
                    .append(e.getKey())
                    .append('\t')
                    .append(e.getValue())
                    .append('\n');
        }
        try {
            PrivateFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + file + ": " + e.getMessage(), e);
        }
    }
}
