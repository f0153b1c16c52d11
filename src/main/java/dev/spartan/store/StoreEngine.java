package dev.spartan.store;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link EmbeddedStore} keeps its maps in: {@link MvStoreEngine} (H2 MVStore, one file; group commits) or
 * {@link RocksEngine} (RocksDB, a column family per map; every write through its write-ahead log). The maps and their
 * key and value types are the store's schema ({@link StoreSchema}).
 */
interface StoreEngine extends AutoCloseable {
    /** A failure of the engine itself (a write or read that could not be done): the store stops. */
    final class Failure extends RuntimeException {
        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The map of this name (made if missing), with the key and value types {@link StoreSchema} gives it. */
    <K, V> StoreMap<K, V> openMap(String name);

    List<String> mapNames();

    boolean hasMap(String name);

    void removeMap(String name);

    /** Brings the engine's own layout up to date, or refuses one newer than this version knows. */
    void upgradeLayout();

    /** Returns once everything this thread wrote before the call survives a killed process. */
    void awaitDurable();

    /** Completes once everything this thread wrote before the call survives a killed process. */
    CompletableFuture<Void> durable();

    /** Makes everything written so far durable now. */
    void commit();

    /** Whether some write is not durable yet; for tests. */
    boolean hasUnsavedChanges();

    boolean isClosed();

    /** Writes a consistent copy of the store, as of one instant after every write made before the call, as a zip. */
    void backup(Path zipFile);

    /** Bytes the store takes on disk (after a commit); for tests and measurements. */
    long diskBytes();

    /** Stops as a killed process would: nothing more is written. For tests. */
    void closeImmediately();

    @Override
    void close();
}
