package dev.spartan.client;

import dev.spartan.crypto.PrivateFiles;
import dev.spartan.crypto.StateJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-conversation message counters, in {@code KEYS/counters} (owner-only, changed through the {@link StateJournal}
 * it shares with the sessions, so that one sync serves both): the next number
 * this user sends in each conversation and the next one expected from each sender in each; and in {@code
 * KEYS/sent_numbers}, appended to through the same journal, the numbers the last {@value #KEPT_IDS} outgoing
 * messages got. All survive a
 * restart: a number used twice would make a reader drop a real message as a replay, a forgotten one would hide a gap,
 * and a message resent after a restart must keep its number (else the reader, holding the first copy, would see the
 * next one skipped).
 */
final class Counters {
    static final String FILE = "counters";
    static final String IDS_FILE = "sent_numbers";
    /** More than a send window of sealed, unanswered messages, the ones a restart can resend. */
    static final int KEPT_IDS = 512;

    private final Path file;
    private final Path idsFile;
    private final StateJournal journal;
    // "out\t<conversation>" and "in\t<sender>\t<conversation>" -> next number
    private final Map<String, Long> next = new TreeMap<>();
    // The number each recent message id got, so a retry (same id, sealed again) carries the same number.
    private final Map<String, Long> assigned = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > KEPT_IDS;
        }
    };
    /** Lines of sent_numbers not written yet, and how many. */
    private final StringBuilder newIds = new StringBuilder();

    private int newIdLines;
    /** The counters file is behind what {@link #next} holds (an {@link #expectUnsynced} since the last write). */
    private boolean dirty;
    /** Lines in sent_numbers; past a few times {@link #KEPT_IDS} it is rewritten with the kept ones only. */
    private int idLines;

    Counters(Path keysDir) throws IOException {
        this(keysDir, StateJournal.open(keysDir));
    }

    Counters(Path keysDir, StateJournal journal) throws IOException {
        this.journal = journal;
        this.file = keysDir.resolve(FILE);
        this.idsFile = keysDir.resolve(IDS_FILE);
        boolean oldIds = false;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int tab = line.lastIndexOf('\t');
                if (tab > 0) {
                    try {
                        long n = Long.parseLong(line.substring(tab + 1));
                        if (line.startsWith("id\t")) { // from before sent_numbers existed
                            assigned.put(line.substring(3, tab), n);
                            oldIds = true;
                        } else {
                            next.put(line.substring(0, tab), n);
                        }
                    } catch (NumberFormatException e) {
                        throw new IOException("corrupt " + file + ": " + line, e);
                    }
                }
            }
        }
        boolean torn = false;
        if (Files.exists(idsFile)) {
            String all = Files.readString(idsFile, StandardCharsets.UTF_8);
            // Only whole lines count: a crash during an append tears its end, and nothing was sent with those.
            torn = !all.isEmpty() && !all.endsWith("\n");
            for (String line : all.substring(0, all.lastIndexOf('\n') + 1).split("\n", -1)) {
                int tab = line.lastIndexOf('\t');
                if (tab < 0) {
                    continue;
                }
                idLines++;
                try {
                    assigned.put(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)));
                } catch (NumberFormatException e) {
                    throw new IOException("corrupt " + idsFile + ": " + line, e);
                }
            }
        }
        if (oldIds || torn || !Files.exists(idsFile) || idLines > 2 * KEPT_IDS) {
            // at start the journal holds nothing for sent_numbers (only this class writes it): the file directly
            write(idsFile, keptIds());
            idLines = assigned.size();
        }
        if (oldIds) {
            write(file, lines()); // once, at start: the file itself
        }
    }

    /** The number of an outgoing message, from 1 per conversation; the same for the same id. Synced. */
    synchronized long outgoing(String messageId, String conversation) {
        long n = outgoingUnsynced(messageId, conversation);
        sync();
        return n;
    }

    /**
     * As {@link #outgoing}, but the file is written only by the next {@link #sync}, which must come before the
     * message leaves this process.
     */
    synchronized long outgoingUnsynced(String messageId, String conversation) {
        Long known = assigned.get(messageId);
        if (known != null) {
            return known;
        }
        String key = "out\t" + conversation;
        long n = next.getOrDefault(key, 1L);
        next.put(key, n + 1);
        dirty = true;
        assigned.put(messageId, n);
        newIds.append(messageId).append('\t').append(n).append('\n');
        newIdLines++;
        return n;
    }

    /**
     * Writes what {@link #outgoingUnsynced} gave out and {@link #expectUnsynced} moved since the last sync, in the
     * journal's next frame, and syncs it.
     */
    synchronized void sync() {
        stage();
        journal.sync();
    }

    /**
     * Puts what {@link #sync} would write into the journal's next frame: the counters file if it changed, the new
     * {@code sent_numbers} lines as an append; durable with the journal's next sync, with whatever else it holds.
     */
    synchronized void stage() {
        if (dirty) {
            save();
        }
        if (newIdLines == 0) {
            return;
        }
        journal.append(IDS_FILE, newIds.toString().getBytes(StandardCharsets.UTF_8));
        idLines += newIdLines;
        newIds.setLength(0);
        newIdLines = 0;
        if (idLines > 4 * KEPT_IDS) {
            compactIds();
        }
    }

    /** The next number expected from {@code sender} in {@code conversation}; 0 if nothing came yet. */
    synchronized long expected(String sender, String conversation) {
        return next.getOrDefault("in\t" + sender + "\t" + conversation, 0L);
    }

    synchronized void expect(String sender, String conversation, long n) {
        expectUnsynced(sender, conversation, n);
        sync();
    }

    /** As {@link #expect}, but written only by the next {@link #sync}, which must come before what it counted is shown. */
    synchronized void expectUnsynced(String sender, String conversation, long n) {
        Long was = next.put("in\t" + sender + "\t" + conversation, n);
        dirty |= was == null || was != n;
    }

    /** Forgets every number to and from {@code peer}: their identity changed, so counting starts again. */
    synchronized void forget(String peer) {
        next.keySet().removeIf(k -> k.equals("out\t@" + peer) || k.startsWith("in\t" + peer + "\t"));
        save();
        journal.sync();
    }

    /** Puts the counters into the journal's next frame; durable with its sync. */
    private void save() {
        journal.replace(FILE, lines().toString().getBytes(StandardCharsets.UTF_8));
        dirty = false;
    }

    private StringBuilder lines() {
        StringBuilder out = new StringBuilder();
        next.forEach((k, v) -> out.append(k).append('\t').append(v).append('\n'));
        return out;
    }

    /** Rewrites sent_numbers with the kept ids only, through the journal (so no append staged before it is lost). */
    private void compactIds() {
        journal.replace(IDS_FILE, keptIds().toString().getBytes(StandardCharsets.UTF_8));
        idLines = assigned.size();
    }

    private StringBuilder keptIds() {
        StringBuilder out = new StringBuilder();
        assigned.forEach((id, n) -> out.append(id).append('\t').append(n).append('\n'));
        return out;
    }

    private static void write(Path f, StringBuilder content) {
        try {
            PrivateFiles.write(f, content.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + f + ": " + e.getMessage(), e);
        }
    }
}
