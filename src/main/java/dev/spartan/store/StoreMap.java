package dev.spartan.store;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;

/**
 * One named, ordered map of the embedded store, as {@link EmbeddedStore} uses it, whatever the engine under it
 * ({@link StoreEngine}). Keys are kept in their order (strings: by their UTF-8 bytes, which is the string order for
 * the ASCII keys the store uses; longs: numerically, for the non-negative ones it uses).
 *
 * <p>A write is visible to every thread as soon as the call returns. {@link #putIfAbsent}, {@link #merge} and
 * {@link #remove} are atomic against each other on the same map; other atomicity (of several writes) is the
 * caller's, through its own locks. When a write is durable is the engine's ({@link StoreEngine#awaitDurable}).
 * Any failure of the engine is thrown as {@link StoreEngine.Failure}.
 */
interface StoreMap<K, V> {
    V get(K key);

    default V getOrDefault(K key, V otherwise) {
        V v = get(key);
        return v == null ? otherwise : v;
    }

    default boolean containsKey(K key) {
        return get(key) != null;
    }

    void put(K key, V value);

    /** Removes the key; returns the value it had, or null. */
    V remove(K key);

    /** Puts the value unless the key has one; returns the value it had, or null (then the value was put). */
    V putIfAbsent(K key, V value);

    /** Puts {@code value}, or {@code combine(old, value)} if the key has one. */
    void merge(K key, V value, BinaryOperator<V> combine);

    /** Up to {@code max} keys from {@code from} (included) upwards, while {@code within} holds, in order. */
    List<K> keysFrom(K from, Predicate<K> within, int max);

    /** Up to {@code max} keys below {@code below} (excluded) downwards, while {@code within} holds, newest first. */
    List<K> keysBefore(K below, Predicate<K> within, int max);

    /** Every key, in order: a snapshot, safe to change the map while using it. */
    List<K> keys();

    /** Every entry, in key order. */
    void forEach(BiConsumer<K, V> action);

    /** How many entries: may count them one by one, so not for a hot path. */
    long size();

    void clear();
}
