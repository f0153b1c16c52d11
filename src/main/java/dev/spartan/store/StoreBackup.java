package dev.spartan.store;

import dev.spartan.store.proto.StoredMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The embedded store's side of a backup directory: {@value #STORE_ZIP} is the node's online copy of its store
 * ({@link MessageStore#backup}): the RocksDB checkpoint under {@code store/}, or, from a version of layout 2, the
 * MVStore file {@code spartan.mv}, which is upgraded when it is opened. This reads what a backup holds, and lays one
 * out as a new data directory.
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

    /** Unzips a copy of the backup's store and reads it; the backup itself is not changed. */
    public static Contents contents(Path backupDir) {
        Path work = tempDir();
        try {
            unzip(backupDir, work);
            try (StoreEngine engine = StoreFiles.open(work)) {
                return contents(engine);
            }
        } finally {
            RocksEngine.deleteTree(work);
        }
    }

    /**
     * Lays the backup's store out in {@code dataDir} (which must hold no store) under a new epoch, so clients that
     * numbered events of the old store start over instead of skipping new events, and with no one-time prekeys:
     * any of them may have been handed out after the backup, and a one-time prekey is never handed out twice.
     * Clients upload new ones at their next login.
     */
    public static Restored restore(Path backupDir, Path dataDir) {
        for (String name : List.of(EmbeddedStore.FILE, StoreFiles.STORE_DIR)) {
            Path target = dataDir.resolve(name);
            if (Files.exists(target)) {
                throw new StoreOpenException(
                        target + " exists: restore into a new or empty data directory (--data NEWDIR)", null);
            }
        }
        EmbeddedStore.requireWritable(dataDir);
        unzip(backupDir, dataDir);
        try (StoreEngine engine = StoreFiles.open(dataDir)) {
            Contents contents = contents(engine);
            StoreMap<String, byte[]> oneTime = engine.openMap("one-time-prekeys");
            int dropped = (int) oneTime.size();
            oneTime.clear();
            String epoch = UUID.randomUUID().toString();
            engine.<String, String>openMap("meta").put("epoch", epoch);
            return new Restored(contents, epoch, dropped);
        }
    }

    private static Contents contents(StoreEngine engine) {
        StoreMap<String, String> meta = engine.openMap("meta");
        StoreMap<String, byte[]> history = engine.openMap("chat-log");
        Message[] newest = {null};
        long[] count = {0};
        history.forEach((key, value) -> {
            StoredMessage m = Records.parse(StoredMessage::parseFrom, value);
            count[0]++;
            if (newest[0] == null || m.getSentAtMillis() >= newest[0].sentAtMillis()) {
                newest[0] = new Message(m.getMessageId(), m.getSender(), m.getChatKey(), m.getSentAtMillis());
            }
        });
        return new Contents(meta.get("epoch"), count[0], Optional.ofNullable(newest[0]));
    }

    /** Extracts the store of the backup's zip (the store directory, or a layout-2 store file) into {@code dir}. */
    private static void unzip(Path backupDir, Path dir) {
        Path zip = backupDir.resolve(STORE_ZIP);
        boolean found = false;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName();
                String inStore = name.startsWith(StoreFiles.STORE_DIR + "/")
                        ? name.substring(StoreFiles.STORE_DIR.length() + 1)
                        : null;
                if (name.equals(EmbeddedStore.FILE)) {
                    copy(in, dir.resolve(EmbeddedStore.FILE));
                    found = true;
                } else if (inStore != null && !inStore.isEmpty() && !inStore.contains("/") && !inStore.equals("..")) {
                    Path storeDir = Files.createDirectories(dir.resolve(StoreFiles.STORE_DIR));
                    copy(in, storeDir.resolve(inStore));
                    found = true;
                }
            }
        } catch (IOException e) {
            throw new StoreOpenException("cannot read " + zip + ": " + e.getMessage(), e);
        }
        if (!found) {
            throw new StoreOpenException(
                    zip + " holds neither " + StoreFiles.STORE_DIR + "/ nor " + EmbeddedStore.FILE
                            + ": not a Spartan backup",
                    null);
        }
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
}
