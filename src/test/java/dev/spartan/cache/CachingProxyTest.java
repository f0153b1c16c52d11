package dev.spartan.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.cache.annotation.CacheInvalidate;
import dev.spartan.cache.annotation.Cached;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachingProxyTest {

    interface Store {
        @Cached(size = 3)
        String load(String user, int page);

        @Cached
        List<String> all();

        String uncached(String key);

        @CacheInvalidate(value = "load", keyArgs = 2)
        void save(String user, int page, String value);

        @CacheInvalidate(value = "load", keyArgs = 0)
        void wipe();

        @CacheInvalidate(value = "all", keyArgs = 0)
        void touchAll();

        @Cached
        String failing(String key) throws IOException;

        default String loadTwice(String user) {
            return load(user, 1) + load(user, 1);
        }
    }

    static final class CountingStore implements Store {
        final Map<String, AtomicInteger> calls = new HashMap<>();
        final Map<String, String> data = new HashMap<>();

        int calls(String method) {
            return calls.getOrDefault(method, new AtomicInteger()).get();
        }

        private void count(String method) {
            calls.computeIfAbsent(method, k -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public String load(String user, int page) {
            count("load");
            return data.get(user + "/" + page);
        }

        @Override
        public List<String> all() {
            count("all");
            return new ArrayList<>(data.keySet());
        }

        @Override
        public String uncached(String key) {
            count("uncached");
            return key;
        }

        @Override
        public void save(String user, int page, String value) {
            data.put(user + "/" + page, value);
        }

        @Override
        public void wipe() {
            data.clear();
        }

        @Override
        public void touchAll() {}

        @Override
        public String failing(String key) throws IOException {
            count("failing");
            throw new IOException("disk on fire: " + key);
        }
    }

    private final CountingStore target = new CountingStore();
    private final Store store = CachingProxy.wrap(Store.class, target);

    @Test
    void annotatedMethodHitsTargetOncePerArguments() {
        target.data.put("alice/1", "hello");
        assertThat(store.load("alice", 1)).isEqualTo("hello");
        assertThat(store.load("alice", 1)).isEqualTo("hello");
        assertThat(target.calls("load")).isEqualTo(1);

        target.data.put("alice/2", "world");
        assertThat(store.load("alice", 2)).isEqualTo("world");
        assertThat(target.calls("load")).isEqualTo(2);

        assertThat(CachingProxy.stats(store, "load")).isEqualTo(new CacheStats(1, 2, 2));
    }

    @Test
    void noArgMethodIsCachedUnderEmptyKey() {
        store.all();
        store.all();
        assertThat(target.calls("all")).isEqualTo(1);
    }

    @Test
    void unannotatedMethodAlwaysReachesTarget() {
        store.uncached("x");
        store.uncached("x");
        store.uncached("x");
        assertThat(target.calls("uncached")).isEqualTo(3);
        assertThatThrownBy(() -> CachingProxy.stats(store, "uncached")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullResultsAreNotCachedAndNullArgumentsWork() {
        assertThat(store.load("nobody", 1)).isNull();
        assertThat(store.load("nobody", 1)).isNull();
        assertThat(target.calls("load")).isEqualTo(2);

        target.data.put("null/1", "from null user");
        assertThat(store.load(null, 1)).isEqualTo("from null user");
        assertThat(store.load(null, 1)).isEqualTo("from null user");
        assertThat(target.calls("load")).isEqualTo(3);
    }

    @Test
    void invalidationRemovesOnlyTheMatchingEntry() {
        target.data.put("alice/1", "v1");
        target.data.put("bob/1", "b1");
        store.load("alice", 1);
        store.load("bob", 1);

        store.save("alice", 1, "v2");
        assertThat(store.load("alice", 1)).isEqualTo("v2");
        assertThat(store.load("bob", 1)).isEqualTo("b1");
        assertThat(target.calls("load")).isEqualTo(3); // alice reloaded, bob still cached
    }

    @Test
    void keyArgsZeroClearsTheWholeCache() {
        target.data.put("alice/1", "a");
        target.data.put("bob/1", "b");
        store.load("alice", 1);
        store.load("bob", 1);
        assertThat(CachingProxy.stats(store, "load").size()).isEqualTo(2);

        store.wipe();
        assertThat(CachingProxy.stats(store, "load").size()).isZero();
        assertThat(store.load("alice", 1)).isNull();
    }

    @Test
    void proxiedCacheHonoursItsSizeBound() {
        for (int page = 0; page < 10; page++) {
            target.data.put("u/" + page, "p" + page);
            store.load("u", page);
            assertThat(CachingProxy.stats(store, "load").size()).isLessThanOrEqualTo(3);
        }
        store.load("u", 0); // evicted long ago
        assertThat(target.calls("load")).isEqualTo(11);
        store.load("u", 9); // still cached
        assertThat(target.calls("load")).isEqualTo(11);
    }

    @Test
    void exceptionsPropagateUnwrappedAndAreNotCached() {
        assertThatThrownBy(() -> store.failing("k"))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageContaining("k");
        assertThatThrownBy(() -> store.failing("k")).isExactlyInstanceOf(IOException.class);
        assertThat(target.calls("failing")).isEqualTo(2);
    }

    @Test
    void defaultMethodRunsOnTarget() {
        target.data.put("alice/1", "x");
        assertThat(store.loadTwice("alice")).isEqualTo("xx");
    }

    @Test
    void objectMethodsAreSane() {
        Store other = CachingProxy.wrap(Store.class, target);
        Object same = store;
        // call the proxy's equals directly: AssertJ's isEqualTo short-cuts on identity
        assertThat(store.equals(same)).isTrue();
        assertThat(store.equals(other)).isFalse();
        assertThat(store.hashCode()).isEqualTo(store.hashCode());
        assertThat(store.toString()).contains("CachingProxy").contains("Store");
    }

    interface Typo {
        @Cached
        String get(String k);

        @CacheInvalidate("gte")
        void put(String k);
    }

    interface WrongArity {
        @Cached
        String get(String k);

        @CacheInvalidate(value = "get", keyArgs = 2)
        void put(String k, String v);
    }

    @Test
    void wrapValidatesInvalidationTargets() {
        Typo typo = new Typo() {
            @Override
            public String get(String k) {
                return k;
            }

            @Override
            public void put(String k) {}
        };
        assertThatThrownBy(() -> CachingProxy.wrap(Typo.class, typo))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gte");

        WrongArity wrong = new WrongArity() {
            @Override
            public String get(String k) {
                return k;
            }

            @Override
            public void put(String k, String v) {}
        };
        assertThatThrownBy(() -> CachingProxy.wrap(WrongArity.class, wrong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keyArgs=2");
    }
}
