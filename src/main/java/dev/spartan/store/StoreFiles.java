package dev.spartan.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.rocksdb.RocksDBException;

/**
 * The embedded store's files in the data directory, and the in-place upgrade from layout 2 to 3.
 *
 * <ul>
 *   <li>{@value #STORE_DIR}{@code /}: the store, a RocksDB database (layout 3).
 *   <li>{@value EmbeddedStore#FILE}: a small MVStore file that says "layout 3, the store is in {@value #STORE_DIR}/",
 *       so that a version of layout 2, which looks only for this file, refuses the directory instead of starting an
 *       empty store in it.
 *   <li>{@value #OLD_FILE}: the layout-2 file an upgrade copied from, left as it was (for a rollback; delete it once
 *       the new version is trusted).
 * </ul>
 *
 * <p>The upgrade copies every map of the old file into a new database in {@value #BUILDING}{@code /} and renames
 * that directory to {@value #STORE_DIR}{@code /} only when the copy is complete, so a crash anywhere in the copy leaves
 * the old file in charge and the next start copies again. After the rename, the old file is moved aside and the
 * marker written; a crash between those steps is finished by the next start.
 */
final class StoreFiles {
    static final String STORE_DIR = "store";
    static final String BUILDING = "store.upgrading";
    static final String OLD_FILE = "spartan.mv.layout2";
    private static final String MARKER_KEY = "store";

    private StoreFiles() {}

    /**
     * Opens the store of {@code dataDir}, creating it, or upgrading a layout-2 file in place first.
     *
     * @throws StoreOpenException with one line for the operator
     */
    static RocksEngine open(Path dataDir) {
        Path storeDir = dataDir.resolve(STORE_DIR);
        Path file = dataDir.resolve(EmbeddedStore.FILE);
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new StoreOpenException(
                    "the data directory " + dataDir + " is read-only: the node must write there (make it writable, or"
                            + " pass another --data)",
                    null);
        }
        if (!Files.isDirectory(storeDir) && Files.exists(file)) {
            upgrade(file, storeDir);
        }
        RocksEngine engine = openDatabase(storeDir);
        try {
            leaveMarker(file);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    private static RocksEngine openDatabase(Path storeDir) {
        try {
            return RocksEngine.open(storeDir);
        } catch (RocksDBException e) {
            throw new StoreOpenException(openFailure(storeDir, e), e);
        }
    }

    private static String openFailure(Path storeDir, RocksDBException e) {
        String message = EmbeddedStore.describe(e);
        if (message.contains("lock") && !message.contains("No such file")) {
            return inUse(storeDir.getParent());
        }
        if (message.contains("No space") || message.contains("Read-only") || message.contains("Permission denied")) {
            return "cannot write the store in " + storeDir + ": " + message;
        }
        return "the store in " + storeDir + " is damaged (" + message + "): restore it from a backup, or move it"
                + " away to start with an empty store";
    }

    /** Copies a layout-2 file into a new database and puts it in place whole. */
    private static void upgrade(Path file, Path storeDir) {
        Path building = storeDir.resolveSibling(BUILDING);
        RocksEngine.deleteTree(building);
        MvStoreEngine old = openOld(file);
        try {
            if (isMarker(old.mvStore())) {
                throw new StoreOpenException(
                        "the store file " + file + " says the store is in " + storeDir + ", which is missing: restore"
                                + " it from a backup (README, Backup and restore)",
                        null);
            }
            old.upgradeLayout(); // an older layout within the file first; a newer one is refused untouched
            RocksEngine fresh = openDatabase(building);
            try {
                copy(old, fresh);
                fresh.upgradeLayout();
                fresh.syncLog(); // the close's own sync swallows a failure; an incomplete copy must not go in place
            } finally {
                fresh.close();
            }
        } catch (MVStoreException | CorruptStoreException e) {
            throw new StoreOpenException(damaged(file, e), e);
        } catch (StoreEngine.Failure e) {
            throw new StoreOpenException("cannot write the store in " + building + ": " + EmbeddedStore.describe(e), e);
        } finally {
            old.close();
        }
        try {
            Files.move(building, storeDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StoreOpenException("cannot write the store in " + storeDir + ": " + EmbeddedStore.describe(e), e);
        }
        syncDirectory(storeDir.getParent()); // the rename is durable before the marker pointing at store/ is written
    }

    /** As {@code FileBlobStore} does: a file system that cannot sync a directory does not stop the upgrade. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // the store's own files are synced already; only the rename's order against the marker is left to chance
        }
    }

    /** Every map of the old file, entry by entry, with each entry's own key and value types. */
    static void copy(MvStoreEngine from, RocksEngine to) {
        MVStore mv = from.mvStore();
        for (String name : mv.getMapNames()) {
            MVMap<Object, Object> map = mv.openMap(name);
            StoreMap<Object, Object>[] target = new StoreMap[1];
            map.forEach((k, v) -> {
                if (target[0] == null) {
                    target[0] = to.openMap(name, StoreSchema.Codec.of(k), StoreSchema.Codec.of(v));
                }
                target[0].put(k, v);
            });
        }
    }

    private static MvStoreEngine openOld(Path file) {
        try {
            return MvStoreEngine.openFile(file, true);
        } catch (MVStoreException e) {
            throw new StoreOpenException(
                    e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED ? inUse(file.getParent()) : damaged(file, e), e);
        }
    }

    private static String inUse(Path dataDir) {
        return "data directory " + dataDir.toAbsolutePath().normalize()
                + " is in use by another running node (its store file is locked); give this node its own --data";
    }

    static String damaged(Path file, Exception e) {
        return "the store file " + file + " is damaged (" + EmbeddedStore.describe(e) + "): restore it from a backup,"
                + " or move it away to start with an empty store";
    }

    /** Moves a layout-2 file aside (kept for a rollback) and writes the marker a layout-2 node refuses. */
    private static void leaveMarker(Path file) {
        try {
            if (Files.exists(file)) {
                MVStore mv = new MVStore.Builder()
                        .fileName(file.toString())
                        .readOnly()
                        .open();
                boolean marker;
                try {
                    marker = isMarker(mv);
                } finally {
                    mv.close();
                }
                if (marker) {
                    return;
                }
                Files.move(file, uniqueSibling(file.resolveSibling(OLD_FILE)), StandardCopyOption.ATOMIC_MOVE);
            }
            Path temp = file.resolveSibling(EmbeddedStore.FILE + ".new");
            Files.deleteIfExists(temp);
            MVStore mv = new MVStore.Builder().fileName(temp.toString()).open();
            MVMap<String, String> meta = mv.openMap("meta");
            meta.put("layout", Integer.toString(Layout.EMBEDDED));
            meta.put(MARKER_KEY, STORE_DIR);
            mv.close();
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + EmbeddedStore.describe(e), e);
        } catch (MVStoreException e) {
            throw new StoreOpenException(damaged(file, e), e);
        }
    }

    private static boolean isMarker(MVStore mv) {
        return mv.hasMap("meta")
                && STORE_DIR.equals(mv.<String, String>openMap("meta").get(MARKER_KEY));
    }

    private static Path uniqueSibling(Path wanted) {
        Path p = wanted;
        for (int i = 1; Files.exists(p); i++) {
            p = wanted.resolveSibling(wanted.getFileName() + "." + i);
        }
        return p;
    }
}
