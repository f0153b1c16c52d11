package dev.spartan.store;

import dev.spartan.store.proto.StoredMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * The embedded store's side of a backup directory: {@value #STORE_ZIP} is the node's online copy of its file
 * ({@link MessageStore#backup}). This reads what a backup holds, and lays one out as a new data directory.
 */
public final class StoreBackup {
    public static final String STORE_ZIP = "store.zip";

    /** What a backup's store holds: its epoch, its size, and the newest message in it. */
    public record Contents(String epoch, long messages, Optional<Message> newest) {}

    /** A stored message, as the operator is shown it (never its text: the server cannot read it). */
    public record Message(String id, String sender, String chatKey, long sentAtMillis) {}

    /** What a restore did. */
    public record Restored(Contents contents, String newEpoch, int oneTimePreKeysDropped) {}

    private StoreBackup() {}

    /** Opens a copy of the backup's store file and reads it; the backup itself is not changed. */
    public static Contents contents(Path backupDir) {
        Path work = tempDir();
        try {
            Path file = unzip(backupDir, work);
            MVStore mv = openFile(file, true);
            try {
                return contents(mv);
            } finally {
                mv.close();
            }
        } finally {
            delete(work);
        }
    }

    /**
     * Lays the backup's store out in {@code dataDir} (which must hold no store) under a new epoch, so clients that
     * numbered events of the old store start over instead of skipping new events, and with no one-time prekeys:
     * any of them may have been handed out after the backup, and a one-time prekey is never handed out twice.
     * Clients upload new ones at their next login.
     */
    public static Restored restore(Path backupDir, Path dataDir) {
        Path target = dataDir.resolve(EmbeddedStore.FILE);
        if (Files.exists(target)) {
            throw new StoreOpenException(
                    target + " exists: restore into a new or empty data directory (--data NEWDIR)", null);
        }
        EmbeddedStore.requireWritable(dataDir);
        Path file = unzip(backupDir, dataDir);
        MVStore mv = openFile(file, false);
        try {
            Contents contents = contents(mv);
            MVMap<String, byte[]> oneTime = mv.openMap("one-time-prekeys");
            int dropped = oneTime.size();
            oneTime.clear();
            String epoch = UUID.randomUUID().toString();
            mv.<String, String>openMap("meta").put("epoch", epoch);
            mv.commit();
            return new Restored(contents, epoch, dropped);
        } finally {
            mv.close();
        }
    }

    private static Contents contents(MVStore mv) {
        MVMap<String, String> meta = mv.openMap("meta");
        MVMap<String, byte[]> history = mv.openMap("chat-log");
        Message newest = null;
        for (byte[] value : history.values()) {
            StoredMessage m = Records.parse(StoredMessage::parseFrom, value);
            if (newest == null || m.getSentAtMillis() >= newest.sentAtMillis()) {
                newest = new Message(m.getMessageId(), m.getSender(), m.getChatKey(), m.getSentAtMillis());
            }
        }
        return new Contents(meta.get("epoch"), history.sizeAsLong(), Optional.ofNullable(newest));
    }

    private static MVStore openFile(Path file, boolean readOnly) {
        try {
            MVStore.Builder builder = new MVStore.Builder().fileName(file.toString());
            return (readOnly ? builder.readOnly() : builder).open();
        } catch (MVStoreException e) {
            throw new StoreOpenException("the store in the backup is damaged: " + e.getMessage(), e);
        }
    }

    /** Extracts the store file of the backup's zip into {@code dir}; returns its path. */
    private static Path unzip(Path backupDir, Path dir) {
        Path zip = backupDir.resolve(STORE_ZIP);
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals(EmbeddedStore.FILE)) {
                    Path file = dir.resolve(EmbeddedStore.FILE);
                    copy(in, file);
                    return file;
                }
            }
        } catch (IOException e) {
            throw new StoreOpenException("cannot read " + zip + ": " + e.getMessage(), e);
        }
        throw new StoreOpenException(zip + " holds no " + EmbeddedStore.FILE + ": not a Spartan backup", null);
    }

    private static void copy(InputStream in, Path file) throws IOException {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("spartan-backup");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
