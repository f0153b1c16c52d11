package dev.spartan.client;

import dev.spartan.crypto.PrivateFiles;
import dev.spartan.proto.ChatRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * This device's own record of the messages it sent and decrypted, in {@code KEYS/messages.log} (owner-only). A
 * ratchet message decrypts once, and never for its sender, so history is read from here and the server's History
 * only says which of these messages it still holds, in which order. The last {@link #KEEP} per conversation are
 * kept; older lines are dropped when the file is opened.
 */
final class MessageLog {
    static final String FILE = "messages.log";
    static final int KEEP = 500;
    private static final String MAGIC = "m1";

    private final Path file;
    private final Map<String, Deque<Incoming>> byChat = new HashMap<>();
    private final Map<String, Incoming> byId = new HashMap<>();
    private final java.util.Set<String> gone = new java.util.HashSet<>(); // removed in this run
    private FileChannel out; // reopened after a rewrite (the file is replaced)

    MessageLog(Path keysDir) throws IOException {
        this.file = keysDir.resolve(FILE);
        int lines = 0;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lines++;
                parse(line).ifPresent(this::keep); // a line torn by a crash is skipped
            }
        } else {
            PrivateFiles.write(file, new byte[0]);
        }
        if (lines > byId.size()) {
            StringBuilder all = new StringBuilder();
            byChat.values().forEach(q -> q.forEach(m -> all.append(format(m))));
            PrivateFiles.write(file, all.toString().getBytes(StandardCharsets.UTF_8));
        }
        this.out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /**
     * Appends one message: a single write, so a crash leaves the line whole or torn at the end, never mixed. False
     * if the message was removed before (deleted, or its timer ran before it was added): it does not come back.
     */
    synchronized boolean add(Incoming m) {
        if (gone.contains(m.messageId())) {
            return false;
        }
        if (byId.containsKey(m.messageId())) {
            return true;
        }
        try {
            out.write(ByteBuffer.wrap(format(m).getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        keep(m);
        return true;
    }

    /**
     * Replaces the text of a logged message (an edit) and rewrites the file, so the old text is gone from disk too.
     * False if the message is not in the log.
     */
    synchronized boolean update(String messageId, String text) {
        Incoming m = byId.get(messageId);
        if (m == null) {
            return false;
        }
        Incoming changed =
                new Incoming(m.messageId(), m.sender(), m.chat(), m.peerOrGroup(), text, m.chatSeq(), m.sentAtMillis());
        Deque<Incoming> q = byChat.get(key(m.isGroup(), m.peerOrGroup()));
        List<Incoming> all = new ArrayList<>(q);
        q.clear();
        all.forEach(x -> q.addLast(x.messageId().equals(messageId) ? changed : x));
        byId.put(messageId, changed);
        rewrite();
        return true;
    }

    /** Drops a message (deleted for everyone, or disappeared) and rewrites the file without it. */
    synchronized boolean remove(String messageId) {
        gone.add(messageId); // also when not here yet: an expiry can run before its message is added
        Incoming m = byId.remove(messageId);
        if (m == null) {
            return false;
        }
        byChat.get(key(m.isGroup(), m.peerOrGroup()))
                .removeIf(x -> x.messageId().equals(messageId));
        rewrite();
        return true;
    }

    private void rewrite() {
        StringBuilder all = new StringBuilder();
        byChat.values().forEach(q -> q.forEach(x -> all.append(format(x))));
        try {
            out.close();
            PrivateFiles.write(file, all.toString().getBytes(StandardCharsets.UTF_8));
            out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    synchronized Optional<Incoming> find(String messageId) {
        return Optional.ofNullable(byId.get(messageId));
    }

    synchronized List<Incoming> recent(ChatRef chat, String peerOrGroup) {
        Deque<Incoming> q = byChat.get(key(chat.hasGroup(), peerOrGroup));
        return q == null ? List.of() : List.copyOf(q);
    }

    private void keep(Incoming m) {
        Deque<Incoming> q = byChat.computeIfAbsent(key(m.isGroup(), m.peerOrGroup()), k -> new ArrayDeque<>());
        q.addLast(m);
        byId.put(m.messageId(), m);
        if (q.size() > KEEP) {
            byId.remove(q.removeFirst().messageId());
        }
    }

    private static String key(boolean group, String peerOrGroup) {
        return (group ? "#" : "@") + peerOrGroup;
    }

    /** One line: m1, id, sender, u|g, chat name, the other side (peer or group), sent-at millis, Base64 text. */
    private static String format(Incoming m) {
        return String.join(
                        "\t",
                        MAGIC,
                        m.messageId(),
                        m.sender(),
                        m.isGroup() ? "g" : "u",
                        m.isGroup() ? m.chat().getGroup() : m.chat().getUser(),
                        m.peerOrGroup(),
                        Long.toString(m.sentAtMillis()),
                        Base64.getEncoder().encodeToString(m.text().getBytes(StandardCharsets.UTF_8)))
                + "\n";
    }

    private static Optional<Incoming> parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 8 || !f[0].equals(MAGIC)) {
            return Optional.empty();
        }
        try {
            ChatRef chat = f[3].equals("g")
                    ? ChatRef.newBuilder().setGroup(f[4]).build()
                    : ChatRef.newBuilder().setUser(f[4]).build();
            String text = new String(Base64.getDecoder().decode(f[7]), StandardCharsets.UTF_8);
            return Optional.of(new Incoming(f[1], f[2], chat, f[5], text, 0, Long.parseLong(f[6])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
