package dev.spartan.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.zip.ZipOutputStream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * The embedded store's maps in H2's MVStore: in memory (unit tests, the benchmark's baseline), or in one file (the
 * store of layout 2, read once to upgrade it, and {@code StoreEnginesMeasurement}). Writes are durable after the
 * next commit ({@link GroupCommit}); MVStore writes through the OS page cache, which a killed process cannot lose.
 */
final class MvStoreEngine implements StoreEngine {
    private final MVStore mv;
    private final GroupCommit commit;
    private volatile Consumer<Throwable> failed = e -> {};

    private MvStoreEngine(MVStore mv) {
        this.mv = Objects.requireNonNull(mv, "mv");
        this.commit = new GroupCommit(mv);
    }

    static MvStoreEngine inMemory() {
        return new MvStoreEngine(new MVStore.Builder().open());
    }

    /**
     * Opens (or creates) a store file.
     *
     * @param inlineCommits true: without MVStore's background writer, so that a commit writes on the thread that asks
     *     for it and the committer does the writer's housekeeping (see {@link GroupCommit#housekeeping}); false: with
     *     it (for {@code StoreEnginesMeasurement})
     * @throws MVStoreException if MVStore cannot open it
     */
    static MvStoreEngine openFile(Path file, boolean inlineCommits) {
        MvStoreEngine[] opened = new MvStoreEngine[1];
        // Every commit rewrites each B-tree leaf it touched, and a send touches leaves of several maps (one of them
        // keyed by random message ids): 4 KiB leaves instead of the default 16 KiB write less per commit.
        MVStore.Builder builder =
                new MVStore.Builder().fileName(file.toString()).pageSplitSize(4096);
        if (inlineCommits) {
            builder.autoCommitDisabled();
        }
        MVStore mv = builder.backgroundExceptionHandler((thread, e) -> {
                    if (opened[0] != null) {
                        opened[0].failed.accept(e);
                    }
                })
                .open();
        opened[0] = new MvStoreEngine(mv);
        if (inlineCommits) {
            opened[0].commit.housekeeping(e -> opened[0].failed.accept(e));
        }
        return opened[0];
    }

    /** The MVStore itself, for the upgrade of older layouts within it. */
    MVStore mvStore() {
        return mv;
    }

    void onFailure(Consumer<Throwable> listener) {
        this.failed = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public <K, V> StoreMap<K, V> openMap(String name) {
        return new Map<>(mv.openMap(name));
    }

    @Override
    public List<String> mapNames() {
        return new ArrayList<>(mv.getMapNames());
    }

    @Override
    public boolean hasMap(String name) {
        return mv.hasMap(name);
    }

    @Override
    public void removeMap(String name) {
        mv.removeMap(name);
    }

    @Override
    public void upgradeLayout() {
        new LayoutUpgrade(mv).run();
    }

    @Override
    public void awaitDurable() {
        commit.awaitDurable();
    }

    @Override
    public CompletableFuture<Void> durable() {
        return commit.durable();
    }

    @Override
    public void commit() {
        mv.commit();
    }

    @Override
    public boolean hasUnsavedChanges() {
        return mv.hasUnsavedChanges();
    }

    @Override
    public boolean isClosed() {
        return mv.isClosed();
    }

    /**
     * MVStore's online backup: with space reuse off while it copies, every chunk is appended, so the copy is the file
     * as a crash at some instant of the copy would leave it, which opens on its last complete commit.
     */
    @Override
    public void backup(Path zipFile) {
        Path temp = zipFile.resolveSibling(zipFile.getFileName() + ".partial");
        try {
            mv.commit();
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(temp))) {
                mv.getFileStore().backup(zip);
            }
            Files.move(temp, zipFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backup " + zipFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long diskBytes() {
        mv.commit();
        return mv.getFileStore() == null ? 0 : mv.getFileStore().size();
    }

    @Override
    public void closeImmediately() {
        commit.close();
        mv.closeImmediately();
    }

    @Override
    public void close() {
        commit.close();
        if (!mv.isClosed()) {
            mv.close();
        }
    }

    /** An MVMap as a {@link StoreMap}; MVMap is already concurrent and atomic per call. */
    private record Map<K, V>(MVMap<K, V> map) implements StoreMap<K, V> {
        @Override
        public V get(K key) {
            return map.get(key);
        }

        @Override
        public V getOrDefault(K key, V otherwise) {
            return map.getOrDefault(key, otherwise);
        }

        @Override
        public boolean containsKey(K key) {
            return map.containsKey(key);
        }

        @Override
        public void put(K key, V value) {
            map.put(key, value);
        }

        @Override
        public V remove(K key) {
            return map.remove(key);
        }

        @Override
        public V putIfAbsent(K key, V value) {
            return map.putIfAbsent(key, value);
        }

        @Override
        public void merge(K key, V value, BinaryOperator<V> combine) {
            map.merge(key, value, combine);
        }

        @Override
        public List<K> keysFrom(K from, Predicate<K> within, int max) {
            List<K> out = new ArrayList<>();
            for (Iterator<K> it = map.keyIterator(from); it.hasNext() && out.size() < max; ) {
                K key = it.next();
                if (!within.test(key)) {
                    break;
                }
                out.add(key);
            }
            return out;
        }

        @Override
        public List<K> keysBefore(K below, Predicate<K> within, int max) {
            List<K> out = new ArrayList<>();
            for (K key = map.lowerKey(below); key != null && within.test(key) && out.size() < max; ) {
                out.add(key);
                key = map.lowerKey(key);
            }
            return out;
        }

        @Override
        public List<K> keys() {
            return new ArrayList<>(map.keySet());
        }

        @Override
        public void forEach(BiConsumer<K, V> action) {
            map.forEach(action);
        }

        @Override
        public long size() {
            return map.sizeAsLong();
        }

        @Override
        public void clear() {
            map.clear();
        }
    }
}
