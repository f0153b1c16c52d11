package dev.spartan.store;

import dev.spartan.store.StoreSchema.Codec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * The embedded store's maps in RocksDB, one column family per map, in a directory of their own. Every write goes
 * straight to the database: into its memtable (visible to every thread at once) and its write-ahead log's buffer
 * ({@code manual_wal_flush}). {@link #awaitDurable} and {@link #durable} write that buffer to the log file if a write
 * of the caller's is still in it: one write(2) carries every thread's writes since the last, so concurrent saves
 * share it, and a lone save does it at once (no timer). The file is not synced: a write that reached it is in the OS
 * page cache, which a killed process cannot lose; a power loss can lose what the OS had not written back yet. Writes
 * nobody waited for (acknowledgements) reach the file within a second ({@link #flushEverySecond}).
 *
 * <p>Calls run under a read lock that {@link #close} takes for writing: a RocksDB handle used after it was closed
 * would crash the process, not throw.
 */
final class RocksEngine implements StoreEngine {
    static {
        RocksDB.loadLibrary();
    }

    private static final long MIB = 1024 * 1024;

    private final Path dir;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final LRUCache cache;
    private final WriteOptions writeOptions = new WriteOptions();
    private final Map<String, ColumnFamilyHandle> families = new ConcurrentHashMap<>();
    private final Map<String, RocksMap<?, ?>> maps = new ConcurrentHashMap<>();
    private final Object backups = new Object();
    private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
    private boolean closed;
    /** Writes made, and of those the ones in the log's file (not only in its buffer): see {@link #commit}. */
    private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();

    private volatile long flushed;
    private final java.util.concurrent.ScheduledExecutorService flusher =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spartan-wal");
                t.setDaemon(true);
                return t;
            });

    private RocksEngine(
            Path dir,
            RocksDB db,
            DBOptions dbOptions,
            ColumnFamilyOptions cfOptions,
            LRUCache cache,
            List<ColumnFamilyDescriptor> descriptors,
            List<ColumnFamilyHandle> handles) {
        this.dir = dir;
        this.db = db;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.cache = cache;
        for (int i = 0; i < descriptors.size(); i++) {
            families.put(new String(descriptors.get(i).getName(), StandardCharsets.UTF_8), handles.get(i));
        }
    }

    /**
     * Opens (or creates) the database in {@code dir}.
     *
     * @throws RocksDBException if RocksDB cannot open it (locked by another process, damaged, not writable)
     */
    static RocksEngine open(Path dir) throws RocksDBException {
        LRUCache cache = new LRUCache(32 * MIB);
        // Small memtables: the store's records are small and a node's working set is its recent messages. A Bloom
        // filter per table: most lookups of a sent id are for an id never seen.
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
                .setWriteBufferSize(16 * MIB)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(
                        new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(new BloomFilter(10)));
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setMaxOpenFiles(256)
                .setDbWriteBufferSize(64 * MIB)
                .setMaxTotalWalSize(64 * MIB)
                .setMaxBackgroundJobs(2)
                .setAllowFAllocate(false)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2)
                // Writes fill the log's buffer; commit() writes it to the file, once for every writer waiting.
                .setManualWalFlush(true)
                // A writer waiting for the one ahead sleeps rather than spins: spinning costs CPU on a small machine.
                .setEnableWriteThreadAdaptiveYield(false)
                // A stop syncs the log instead of writing every memtable into a table file (close()).
                .setAvoidFlushDuringShutdown(true);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        List<byte[]> names;
        try (Options options = new Options()) {
            names = Files.exists(dir.resolve("CURRENT"))
                    ? RocksDB.listColumnFamilies(options, dir.toString())
                    : List.of();
        }
        if (names.isEmpty()) {
            names = new ArrayList<>(List.of(RocksDB.DEFAULT_COLUMN_FAMILY));
            for (String map : StoreSchema.MAPS) {
                names.add(map.getBytes(StandardCharsets.UTF_8));
            }
        }
        for (byte[] name : names) {
            descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            return new RocksEngine(dir, db, dbOptions, cfOptions, cache, descriptors, handles);
        } catch (RocksDBException e) {
            dbOptions.close();
            cfOptions.close();
            cache.close();
            throw e;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> StoreMap<K, V> openMap(String name) {
        return (StoreMap<K, V>) maps.computeIfAbsent(
                name, n -> new RocksMap<>(family(n), StoreSchema.keyCodec(n), StoreSchema.valueCodec(n)));
    }

    /** The map of this name with the codecs given, for copying a map whose types are not in the schema. */
    @SuppressWarnings("unchecked")
    <K, V> StoreMap<K, V> openMap(String name, Codec keys, Codec values) {
        return (StoreMap<K, V>) maps.computeIfAbsent(name, n -> new RocksMap<>(family(n), keys, values));
    }

    private ColumnFamilyHandle family(String name) {
        return running(() -> families.computeIfAbsent(name, n -> {
            try {
                return db.createColumnFamily(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8), cfOptions));
            } catch (RocksDBException e) {
                throw failure(e);
            }
        }));
    }

    @Override
    public List<String> mapNames() {
        List<String> out = new ArrayList<>(families.keySet());
        out.remove(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8));
        out.sort(null);
        return out;
    }

    @Override
    public boolean hasMap(String name) {
        return families.containsKey(name);
    }

    @Override
    public void removeMap(String name) {
        running(() -> {
            ColumnFamilyHandle handle = families.remove(name);
            maps.remove(name);
            if (handle != null) {
                try {
                    db.dropColumnFamily(handle);
                } catch (RocksDBException e) {
                    throw failure(e);
                }
                // The handle stays open: a thread that took the map just before may still read it (a dropped column
                // family reads as it was until its handle closes), and a closed handle would crash the process.
            }
            return null;
        });
    }

    /** Layout 3 is the first on RocksDB: refuses a newer one, writes it into a new store. */
    @Override
    public void upgradeLayout() {
        StoreMap<String, String> meta = openMap("meta");
        Layout.requireKnown(meta.get("layout"), Layout.EMBEDDED, "the store in " + dir);
        meta.put("layout", Integer.toString(Layout.EMBEDDED));
    }

    @Override
    public void awaitDurable() {
        if (flushed < writes.get()) {
            commit();
        }
    }

    @Override
    public CompletableFuture<Void> durable() {
        try {
            awaitDurable();
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Writes the log's buffer to its file: one write for everything every thread wrote since the last. */
    @Override
    public void commit() {
        flushLog(false);
    }

    /** Writes the log's buffer to its file and syncs it, failing if it cannot: for a copy that must be whole. */
    void syncLog() {
        flushLog(true);
    }

    private void flushLog(boolean sync) {
        running(() -> {
            long upTo = writes.get(); // each counted write is in the buffer already
            try {
                db.flushWal(sync);
            } catch (RocksDBException e) {
                throw failure(e);
            }
            synchronized (writes) {
                flushed = Math.max(flushed, upTo);
            }
            return null;
        });
    }

    @Override
    public boolean hasUnsavedChanges() {
        return flushed < writes.get();
    }

    /** Writes the log's buffer at least once a second, for writes no caller waited for (acknowledgements). */
    void flushEverySecond(java.util.function.Consumer<Throwable> failed) {
        var unused = flusher.scheduleWithFixedDelay(
                () -> {
                    try {
                        if (!isClosed() && hasUnsavedChanges()) {
                            commit();
                        }
                    } catch (RuntimeException e) {
                        if (!isClosed()) {
                            failed.accept(e);
                        }
                    }
                },
                1,
                1,
                java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public boolean isClosed() {
        closing.readLock().lock();
        try {
            return closed;
        } finally {
            closing.readLock().unlock();
        }
    }

    /**
     * RocksDB's checkpoint (hard links to its immutable table files, a copy of the rest, as of one instant after every
     * write made before the call), zipped under {@code store/}; the temporary checkpoint is deleted after.
     */
    @Override
    public void backup(Path zipFile) {
        Path temp = zipFile.resolveSibling(zipFile.getFileName() + ".partial");
        Path checkpoint = dir.resolveSibling(dir.getFileName() + ".checkpoint");
        running(() -> {
            synchronized (backups) { // one checkpoint directory: two operators' backups at once take turns
                writeBackup(zipFile, temp, checkpoint);
            }
            return null;
        });
    }

    private void writeBackup(Path zipFile, Path temp, Path checkpoint) {
        try {
            deleteTree(checkpoint);
            try (Checkpoint c = Checkpoint.create(db)) {
                c.createCheckpoint(checkpoint.toString());
            }
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(temp));
                    Stream<Path> files = Files.list(checkpoint)) {
                for (Path f : files.sorted().toList()) {
                    zip.putNextEntry(new ZipEntry(StoreFiles.STORE_DIR + "/" + f.getFileName()));
                    Files.copy(f, zip);
                    zip.closeEntry();
                }
            }
            Files.move(temp, zipFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (RocksDBException e) {
            // a checkpoint that cannot be made (a full disk, say) fails this backup, not the store
            throw new UncheckedIOException(
                    "cannot take the backup " + zipFile + ": " + e.getMessage(), new IOException(e));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backup " + zipFile + ": " + e.getMessage(), e);
        } finally {
            deleteTree(checkpoint);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long diskBytes() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void closeImmediately() {
        shut(false);
    }

    /**
     * Syncs the write-ahead log (so a clean stop survives a power loss too), then closes; the next open replays the
     * log into memtables, which RocksDB writes into table files as they fill.
     */
    @Override
    public void close() {
        shut(true);
    }

    private void shut(boolean sync) {
        closing.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            flusher.shutdownNow();
            if (sync) {
                try {
                    db.flushWal(true);
                } catch (RocksDBException e) {
                    // A store that failed (a full disk) still closes; its log holds what reached the page cache.
                }
            }
            families.values().forEach(ColumnFamilyHandle::close);
            db.close();
            writeOptions.close();
            dbOptions.close();
            cfOptions.close();
            cache.close();
        } finally {
            closing.writeLock().unlock();
        }
    }

    private <T> T running(Supplier<T> op) {
        closing.readLock().lock();
        try {
            if (closed) {
                throw new Failure("the store is closed", null);
            }
            return op.get();
        } finally {
            closing.readLock().unlock();
        }
    }

    private static Failure failure(RocksDBException e) {
        String status = e.getStatus() != null && e.getStatus().getState() != null
                ? e.getStatus().getState()
                : e.getMessage();
        return new Failure(status, e);
    }

    /** One column family as a {@link StoreMap}. */
    private final class RocksMap<K, V> implements StoreMap<K, V> {
        private final ColumnFamilyHandle family;
        private final Codec keys;
        private final Codec values;

        RocksMap(ColumnFamilyHandle family, Codec keys, Codec values) {
            this.family = family;
            this.keys = keys;
            this.values = values;
        }

        @SuppressWarnings("unchecked")
        private V value(byte[] b) {
            return b == null ? null : (V) values.decode(b);
        }

        @SuppressWarnings("unchecked")
        private K key(byte[] b) {
            return (K) keys.decode(b);
        }

        @Override
        public V get(K key) {
            return running(() -> {
                try {
                    return value(db.get(family, keys.encode(key)));
                } catch (RocksDBException e) {
                    throw failure(e);
                }
            });
        }

        @Override
        public void put(K key, V value) {
            running(() -> {
                try {
                    db.put(family, writeOptions, keys.encode(key), values.encode(value));
                } catch (RocksDBException e) {
                    throw failure(e);
                }
                writes.incrementAndGet();
                return null;
            });
        }

        private void delete(K key) {
            try {
                db.delete(family, writeOptions, keys.encode(key));
            } catch (RocksDBException e) {
                throw failure(e);
            }
            writes.incrementAndGet();
        }

        @Override
        public synchronized V remove(K key) {
            return running(() -> {
                V old = get(key);
                if (old != null) {
                    delete(key);
                }
                return old;
            });
        }

        @Override
        public synchronized V putIfAbsent(K key, V value) {
            V old = get(key);
            if (old == null) {
                put(key, value);
            }
            return old;
        }

        @Override
        public synchronized void merge(K key, V value, BinaryOperator<V> combine) {
            V old = get(key);
            put(key, old == null ? value : combine.apply(old, value));
        }

        @Override
        public List<K> keysFrom(K from, Predicate<K> within, int max) {
            return walk(it -> it.seek(keys.encode(from)), RocksIterator::next, within, max);
        }

        @Override
        public List<K> keysBefore(K below, Predicate<K> within, int max) {
            byte[] limit = keys.encode(below);
            return walk(
                    it -> {
                        it.seekForPrev(limit);
                        if (it.isValid() && java.util.Arrays.equals(it.key(), limit)) {
                            it.prev();
                        }
                    },
                    RocksIterator::prev,
                    within,
                    max);
        }

        /** Keys from where {@code start} puts the iterator, moved by {@code step}, while {@code within} holds. */
        private List<K> walk(
                java.util.function.Consumer<RocksIterator> start,
                java.util.function.Consumer<RocksIterator> step,
                Predicate<K> within,
                int max) {
            return running(() -> {
                List<K> out = new ArrayList<>();
                try (RocksIterator it = db.newIterator(family)) {
                    for (start.accept(it); it.isValid() && out.size() < max; step.accept(it)) {
                        K key = key(it.key());
                        if (!within.test(key)) {
                            break;
                        }
                        out.add(key);
                    }
                    check(it);
                }
                return out;
            });
        }

        @Override
        public List<K> keys() {
            List<K> out = new ArrayList<>();
            forEachRaw((k, v) -> out.add(key(k)));
            return out;
        }

        @Override
        public void forEach(BiConsumer<K, V> action) {
            forEachRaw((k, v) -> action.accept(key(k), value(v)));
        }

        private void forEachRaw(BiConsumer<byte[], byte[]> action) {
            running(() -> {
                try (RocksIterator it = db.newIterator(family)) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        action.accept(it.key(), it.value());
                    }
                    check(it);
                }
                return null;
            });
        }

        @Override
        public long size() {
            long[] n = {0};
            forEachRaw((k, v) -> n[0]++);
            return n[0];
        }

        @Override
        public synchronized void clear() {
            for (K key : keys()) {
                running(() -> {
                    delete(key);
                    return null;
                });
            }
        }

        private void check(RocksIterator it) {
            try {
                it.status();
            } catch (RocksDBException e) {
                throw failure(e);
            }
        }
    }
}
