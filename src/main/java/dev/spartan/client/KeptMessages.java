package dev.spartan.client;

import dev.spartan.crypto.JournaledRecords;
import dev.spartan.crypto.StateJournal;
import dev.spartan.proto.ChatRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plaintexts of received messages that are not shown yet, kept with the state that consumed their keys: each is
 * staged into the receive batch's {@link StateJournal} frame ({@link #stage}), so it is durable exactly when its
 * session, sender key and counters are. A client killed between that sync and the screen finds them here at its next
 * start and shows them then ({@link #left}); the server's copy, redelivered, no longer decrypts and is dropped as a
 * replay. Once a message is shown its plaintext is deleted ({@link #shown}), in a journal frame written at once
 * (outliving a killed process) and synced with the next batch. One owner-only file per message under {@code kept/},
 * named by the hex of its id, once the journal is compacted.
 */
final class KeptMessages {
    static final String DIR = "kept";
    private static final int FORMAT = 1;

    /** A kept message: what {@link Envelopes#open} gave, and its place among the kept ones. */
    private record Kept(long order, Envelopes.Opened opened) {}

    private final StateJournal journal;
    /** By the hex of the message id; a change waits for {@link #stage}, with its batch's state. */
    private final JournaledRecords files;

    private final Map<String, Kept> byId = new LinkedHashMap<>();

    private long nextOrder;

    KeptMessages(Path keysDir, StateJournal journal) throws IOException {
        this.journal = journal;
        this.files = new JournaledRecords(keysDir, DIR, ".msg", journal);
        List<Kept> found = new ArrayList<>();
        for (String name : files.names()) {
            try {
                found.add(decode(files.get(name)));
            } catch (IOException | RuntimeException e) {
                throw new IOException("unreadable kept message " + DIR + "/" + name + ": " + e.getMessage(), e);
            }
        }
        found.sort(Comparator.comparingLong(Kept::order));
        for (Kept k : found) {
            byId.put(k.opened().message().messageId(), k);
            nextOrder = k.order() + 1;
        }
    }

    /** Keeps a decrypted message that is to be shown; durable with the journal's next sync after {@link #stage}. */
    synchronized void keep(Envelopes.Opened opened) {
        Kept k = new Kept(nextOrder++, opened);
        byId.put(opened.message().messageId(), k);
        files.put(name(opened.message().messageId()), encode(k));
    }

    /** Puts the messages kept since the last stage into the journal's next frame, with the state of their batch. */
    synchronized void stage() {
        files.stage();
    }

    /**
     * The message was shown: its plaintext is deleted, written at once (a process killed after this does not show
     * it again), synced with the next batch. Nothing if it was not kept.
     */
    synchronized void shown(String messageId) {
        if (byId.remove(messageId) == null) {
            return;
        }
        files.remove(name(messageId));
        journal.write();
    }

    /** The kept messages not shown yet, in the order they were decrypted (at a start: those an earlier run left). */
    synchronized List<Envelopes.Opened> left() {
        return byId.values().stream().map(Kept::opened).toList();
    }

    private static String name(String messageId) {
        return HexFormat.of().formatHex(messageId.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] encode(Kept k) {
        Incoming m = k.opened().message();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(bytes)) {
            d.writeByte(FORMAT);
            d.writeLong(k.order());
            d.writeLong(k.opened().counter());
            d.writeUTF(k.opened().from());
            d.writeUTF(m.messageId());
            d.writeUTF(m.sender());
            d.writeInt(m.chat().toByteArray().length);
            d.write(m.chat().toByteArray());
            d.writeUTF(m.peerOrGroup());
            byte[] text = m.text().getBytes(StandardCharsets.UTF_8); // may pass writeUTF's 64 KiB
            d.writeInt(text.length);
            d.write(text);
            d.writeLong(m.chatSeq());
            d.writeLong(m.sentAtMillis());
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    private static Kept decode(byte[] b) throws IOException {
        try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(b))) {
            if (d.readByte() != FORMAT) {
                throw new IOException("unknown format");
            }
            long order = d.readLong();
            long counter = d.readLong();
            String from = d.readUTF();
            String id = d.readUTF();
            String sender = d.readUTF();
            ChatRef chat = ChatRef.parseFrom(d.readNBytes(d.readInt()));
            String peerOrGroup = d.readUTF();
            String text = new String(d.readNBytes(d.readInt()), StandardCharsets.UTF_8);
            Incoming m = new Incoming(id, sender, chat, peerOrGroup, text, d.readLong(), d.readLong());
            return new Kept(order, new Envelopes.Opened(m, counter, from));
        }
    }
}
