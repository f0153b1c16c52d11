package dev.spartan.cache;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * A bounded least-recently-used cache with O(1) {@code get} and {@code put}: a {@link HashMap} finds a key's node, and
 * a doubly linked list between sentinel {@code head} and {@code tail} keeps the recency order without special cases at
 * its ends. One {@link ReentrantLock} guards it all, because even a hit is a write (it moves the entry to the front)
 * and every operation is a few pointer swaps. Null keys and values are rejected, so {@code null} from {@link #get}
 * always means "absent".
 *
 * @param <K> key type; must have consistent {@code equals}/{@code hashCode}
 * @param <V> value type
 */
public final class LruCache<K, V> {

    private static final class Node<K, V> {
        final K key;
        V value;
        Node<K, V> prev;
        Node<K, V> next;

        Node(K key, V value) {
            this.key = key;
            this.value = value;
        }
    }

    private final int capacity;
    private final BiConsumer<K, V> onEvict;
    private final Map<K, Node<K, V>> index;
    private final Node<K, V> head = new Node<>(null, null);
    private final Node<K, V> tail = new Node<>(null, null);
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock, like everything else mutable here.
    private long hits;
    private long misses;
    private long evictions;

    public LruCache(int capacity) {
        this(capacity, (k, v) -> {});
    }

    /**
     * @param onEvict called for each entry dropped because the cache was full (not for explicit {@link #remove},
     *                {@link #clear} or replacement). It runs while the lock is held, so it must be quick and must
     *                not call back into this cache from another thread.
     */
    public LruCache(int capacity, BiConsumer<K, V> onEvict) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        this.onEvict = Objects.requireNonNull(onEvict, "onEvict");
        // Sized so the map never rehashes: the cache never holds more than capacity entries.
        this.index = new HashMap<>((int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(capacity / 0.75) + 1));
        head.next = tail;
        tail.prev = head;
    }

    /** The value for {@code key}, marking it most recently used; {@code null} if absent. */
    public V get(K key) {
        Objects.requireNonNull(key, "key");
        lock.lock();
        try {
            Node<K, V> node = index.get(key);
            if (node == null) {
                misses++;
                return null;
            }
            hits++;
            moveToFront(node);
            return node.value;
        } finally {
            lock.unlock();
        }
    }

    /** Stores {@code value}, marking it most recently used, and evicts the least recently used entry if full. */
    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        lock.lock();
        try {
            store(key, value);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Atomically replaces the value of {@code key} with {@code fn(key, current)} ({@code current} is {@code null} if
     * absent). A {@code null} result removes the entry. The function runs under the lock: keep it short and do not
     * touch this cache from it. Counts neither a hit nor a miss: it is a write, not a lookup.
     *
     * @return the new value, or {@code null} if the entry is now absent
     */
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> fn) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fn, "fn");
        lock.lock();
        try {
            Node<K, V> node = index.get(key);
            V next = fn.apply(key, node == null ? null : node.value);
            if (next == null) {
                if (node != null) {
                    index.remove(key);
                    unlink(node);
                }
                return null;
            }
            store(key, next);
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code key}; returns its value or {@code null} if it was absent. Not an eviction. */
    public V remove(K key) {
        Objects.requireNonNull(key, "key");
        lock.lock();
        try {
            Node<K, V> node = index.remove(key);
            if (node == null) {
                return null;
            }
            unlink(node);
            return node.value;
        } finally {
            lock.unlock();
        }
    }

    /** Drops every entry (no eviction callbacks); statistics are kept. */
    public void clear() {
        lock.lock();
        try {
            index.clear();
            // Unlink every node so a reference held elsewhere cannot keep the whole chain reachable.
            Node<K, V> n = head.next;
            while (n != tail) {
                Node<K, V> next = n.next;
                n.prev = null;
                n.next = null;
                n = next;
            }
            head.next = tail;
            tail.prev = head;
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return index.size();
        } finally {
            lock.unlock();
        }
    }

    public int capacity() {
        return capacity;
    }

    public long hits() {
        lock.lock();
        try {
            return hits;
        } finally {
            lock.unlock();
        }
    }

    public long misses() {
        lock.lock();
        try {
            return misses;
        } finally {
            lock.unlock();
        }
    }

    public long evictions() {
        lock.lock();
        try {
            return evictions;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Number of nodes reachable from {@code head}, for tests: it must always equal {@link #size()}, and walking
     * backwards from {@code tail} must agree, otherwise a link operation lost or duplicated a node.
     */
    int linkedSize() {
        lock.lock();
        try {
            int forward = 0;
            for (Node<K, V> n = head.next; n != tail; n = n.next) {
                forward++;
            }
            int backward = 0;
            for (Node<K, V> n = tail.prev; n != head; n = n.prev) {
                backward++;
            }
            if (forward != backward) {
                throw new IllegalStateException("list corrupted: " + forward + " forward, " + backward + " backward");
            }
            return forward;
        } finally {
            lock.unlock();
        }
    }

    // --- list operations; callers hold the lock -------------------------------------------------------------

    private void store(K key, V value) {
        Node<K, V> node = index.get(key);
        if (node != null) {
            node.value = value;
            moveToFront(node);
            return;
        }
        if (index.size() == capacity) {
            evictEldest();
        }
        node = new Node<>(key, value);
        index.put(key, node);
        linkFirst(node);
    }

    private void evictEldest() {
        Node<K, V> eldest = tail.prev;
        index.remove(eldest.key);
        unlink(eldest);
        evictions++;
        onEvict.accept(eldest.key, eldest.value);
    }

    private void moveToFront(Node<K, V> node) {
        if (head.next == node) {
            return;
        }
        unlink(node);
        linkFirst(node);
    }

    private void linkFirst(Node<K, V> node) {
        node.prev = head;
        node.next = head.next;
        head.next.prev = node;
        head.next = node;
    }

    private void unlink(Node<K, V> node) {
        node.prev.next = node.next;
        node.next.prev = node.prev;
        node.prev = null;
        node.next = null;
    }
}
