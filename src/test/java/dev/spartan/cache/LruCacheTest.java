package dev.spartan.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LruCacheTest {

    @Test
    void rejectsNonPositiveCapacityAndNulls() {
        assertThatThrownBy(() -> new LruCache<String, String>(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LruCache<String, String>(-1)).isInstanceOf(IllegalArgumentException.class);
        LruCache<String, String> cache = new LruCache<>(2);
        assertThatThrownBy(() -> cache.put(null, "v")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cache.put("k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cache.get(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void evictsLeastRecentlyUsedAndGetRefreshes() {
        List<String> evicted = new ArrayList<>();
        LruCache<String, Integer> cache = new LruCache<>(3, (k, v) -> evicted.add(k + "=" + v));
        cache.put("a", 1);
        cache.put("b", 2);
        cache.put("c", 3);
        assertThat(cache.get("a")).isEqualTo(1); // a is now most recent; b is eldest

        cache.put("d", 4);
        assertThat(evicted).containsExactly("b=2");
        assertThat(cache.get("b")).isNull();

        cache.put("c", 30); // overwrite refreshes c; eldest is now a
        cache.put("e", 5);
        assertThat(evicted).containsExactly("b=2", "a=1");
        assertThat(cache.get("c")).isEqualTo(30);
        assertThat(cache.get("d")).isEqualTo(4);
        assertThat(cache.get("e")).isEqualTo(5);
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.evictions()).isEqualTo(2);
        assertThat(cache.linkedSize()).isEqualTo(3);
    }

    @Test
    void sizeNeverExceedsCapacity() {
        LruCache<Integer, Integer> cache = new LruCache<>(10);
        for (int i = 0; i < 1000; i++) {
            cache.put(i, i);
            assertThat(cache.size()).isLessThanOrEqualTo(10);
        }
        assertThat(cache.size()).isEqualTo(10);
        assertThat(cache.linkedSize()).isEqualTo(10);
        assertThat(cache.evictions()).isEqualTo(990);
        for (int i = 990; i < 1000; i++) {
            assertThat(cache.get(i)).isEqualTo(i);
        }
    }

    @Test
    void countsHitsAndMisses() {
        LruCache<String, String> cache = new LruCache<>(4);
        cache.put("k", "v");
        cache.get("k");
        cache.get("k");
        cache.get("nope");
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(1);
    }

    @Test
    void computeIsReadModifyWriteAndNullRemoves() {
        LruCache<String, Integer> cache = new LruCache<>(2);
        assertThat(cache.compute("n", (k, v) -> v == null ? 1 : v + 1)).isEqualTo(1);
        assertThat(cache.compute("n", (k, v) -> v == null ? 1 : v + 1)).isEqualTo(2);
        assertThat(cache.get("n")).isEqualTo(2);

        assertThat(cache.compute("n", (k, v) -> null)).isNull();
        assertThat(cache.get("n")).isNull();
        assertThat(cache.size()).isZero();
        assertThat(cache.compute("absent", (k, v) -> null)).isNull();
        assertThat(cache.size()).isZero();

        // compute on a full cache evicts like put
        cache.put("a", 1);
        cache.put("b", 2);
        cache.compute("c", (k, v) -> 3);
        assertThat(cache.get("a")).isNull();
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.linkedSize()).isEqualTo(2);
    }

    @Test
    void removeAndClear() {
        LruCache<String, Integer> cache = new LruCache<>(3);
        cache.put("a", 1);
        cache.put("b", 2);
        assertThat(cache.remove("a")).isEqualTo(1);
        assertThat(cache.remove("a")).isNull();
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.linkedSize()).isEqualTo(1);
        cache.clear();
        assertThat(cache.size()).isZero();
        assertThat(cache.linkedSize()).isZero();
        cache.put("c", 3);
        assertThat(cache.get("c")).isEqualTo(3);
        assertThat(cache.evictions()).isZero();
    }

    @Test
    void concurrentRandomOperationsKeepTheBoundAndTheList() throws Exception {
        int capacity = 64;
        int threads = 8;
        int opsPerThread = 100_000;
        LruCache<Integer, Integer> cache = new LruCache<>(capacity);
        AtomicInteger maxSeen = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < opsPerThread; i++) {
                        int key = rnd.nextInt(256);
                        switch (rnd.nextInt(10)) {
                            case 0, 1, 2, 3 -> cache.get(key);
                            case 4, 5, 6 -> cache.put(key, i);
                            case 7 ->
                                cache.compute(key, (k, v) -> {
                                    // every third update removes the entry, exercising the null-removes path
                                    if (v == null) {
                                        return 0;
                                    }
                                    return v % 3 == 0 ? null : Integer.valueOf(v + 1);
                                });
                            case 8 -> cache.remove(key);
                            default -> {
                                if (rnd.nextInt(1000) == 0) {
                                    cache.clear();
                                }
                            }
                        }
                        maxSeen.accumulateAndGet(cache.size(), Math::max);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS); // rethrows any exception from a worker
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(maxSeen.get()).isLessThanOrEqualTo(capacity);
        assertThat(cache.size()).isLessThanOrEqualTo(capacity);
        assertThat(cache.linkedSize()).isEqualTo(cache.size());
        assertThat(cache.hits() + cache.misses()).isPositive();
    }
}
