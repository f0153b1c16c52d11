package dev.spartan.cache;

import dev.spartan.cache.annotation.CacheInvalidate;
import dev.spartan.cache.annotation.Cached;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies {@link Cached @Cached} and {@link CacheInvalidate @CacheInvalidate} to an interface implementation as a
 * hand-written JDK dynamic proxy, since Java has no function decorators. Each {@code @Cached} method gets its own
 * {@link LruCache} keyed by its argument list; every other method, default methods included, runs on the target
 * unchanged (so calls a default method makes internally bypass the cache), and the target's exceptions propagate
 * unwrapped. {@code null} results are not cached, and no lock is held across a call to the target, so one slow call
 * never blocks lookups of other keys.
 */
public final class CachingProxy {

    private CachingProxy() {}

    /**
     * Wraps {@code target} so its annotated methods are memoized.
     *
     * @throws IllegalArgumentException if {@code iface} is not an interface, or a {@code @CacheInvalidate} names no
     *                                  {@code @Cached} method whose arity matches its {@code keyArgs}
     */
    public static <T> T wrap(Class<T> iface, T target) {
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(target, "target");
        if (!iface.isInterface()) {
            throw new IllegalArgumentException(iface.getName() + " is not an interface");
        }
        Handler handler = new Handler(iface, target);
        Object proxy = Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, handler);
        return iface.cast(proxy);
    }

    /**
     * Statistics of the cache of {@code methodName} on a proxy made by {@link #wrap}; summed over overloads.
     *
     * @throws IllegalArgumentException if {@code proxy} is not a caching proxy or the method is not cached
     */
    public static CacheStats stats(Object proxy, String methodName) {
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(methodName, "methodName");
        if (!Proxy.isProxyClass(proxy.getClass()) || !(Proxy.getInvocationHandler(proxy) instanceof Handler handler)) {
            throw new IllegalArgumentException(
                    "not a CachingProxy: " + proxy.getClass().getName());
        }
        List<Memo> memos = handler.memosByName.get(methodName);
        if (memos == null) {
            throw new IllegalArgumentException("no @Cached method named " + methodName);
        }
        long hits = 0;
        long misses = 0;
        int size = 0;
        for (Memo memo : memos) {
            hits += memo.cache.hits();
            misses += memo.cache.misses();
            size += memo.cache.size();
        }
        return new CacheStats(hits, misses, size);
    }

    /** One memoized method: its cache plus an invalidation counter (see {@link Handler#memoize}). */
    private static final class Memo {
        final Method method;
        final LruCache<List<Object>, Object> cache;
        final AtomicLong generation = new AtomicLong();

        Memo(Method method, int size) {
            this.method = method;
            this.cache = new LruCache<>(size);
        }

        void invalidate(List<Object> key) {
            // Bump first, remove second: see memoize for why this order closes the stale-write race.
            generation.incrementAndGet();
            if (key == null) {
                cache.clear();
            } else {
                cache.remove(key);
            }
        }
    }

    /** What a {@code @CacheInvalidate} method does after it returns. */
    private record Invalidation(List<Memo> targets, int keyArgs) {}

    private static final class Handler implements InvocationHandler {
        private final Object target;
        private final String label;
        private final Map<Method, Memo> memos = new HashMap<>();
        private final Map<String, List<Memo>> memosByName = new HashMap<>();
        private final Map<Method, Invalidation> invalidations = new HashMap<>();

        Handler(Class<?> iface, Object target) {
            if (!iface.isInstance(target)) {
                throw new IllegalArgumentException(
                        target.getClass().getName() + " does not implement " + iface.getName());
            }
            this.target = target;
            this.label = "CachingProxy[" + iface.getSimpleName() + "]";
            for (Method m : iface.getMethods()) {
                Cached lru = m.getAnnotation(Cached.class);
                if (lru == null) {
                    continue;
                }
                if (m.getReturnType() == void.class) {
                    throw new IllegalArgumentException("@Cached on void method " + m);
                }
                if (lru.size() <= 0) {
                    throw new IllegalArgumentException("@Cached size must be > 0 on " + m);
                }
                Memo memo = new Memo(m, lru.size());
                memos.put(m, memo);
                memosByName.computeIfAbsent(m.getName(), k -> new ArrayList<>()).add(memo);
            }
            for (Method m : iface.getMethods()) {
                CacheInvalidate inv = m.getAnnotation(CacheInvalidate.class);
                if (inv != null) {
                    invalidations.put(m, resolve(m, inv));
                }
            }
        }

        /** Fails fast on a typo'd method name or a key that could never match a cached entry. */
        private Invalidation resolve(Method m, CacheInvalidate inv) {
            if (memos.containsKey(m)) {
                throw new IllegalArgumentException("a method cannot be both @Cached and @CacheInvalidate: " + m);
            }
            List<Memo> named = memosByName.get(inv.value());
            if (named == null) {
                throw new IllegalArgumentException(
                        "@CacheInvalidate(\"" + inv.value() + "\") on " + m + ": no @Cached method of that name");
            }
            int keyArgs = inv.keyArgs();
            if (keyArgs < 0 || keyArgs > m.getParameterCount()) {
                throw new IllegalArgumentException("@CacheInvalidate keyArgs=" + keyArgs + " out of range on " + m);
            }
            if (keyArgs == 0) {
                return new Invalidation(List.copyOf(named), 0);
            }
            // A key of keyArgs arguments can only equal the argument list of an overload with that arity.
            List<Memo> matching = named.stream()
                    .filter(memo -> memo.method.getParameterCount() == keyArgs)
                    .toList();
            if (matching.isEmpty()) {
                throw new IllegalArgumentException("@CacheInvalidate keyArgs=" + keyArgs + " on " + m + ": no @Cached "
                        + inv.value() + " takes " + keyArgs + " argument(s)");
            }
            return new Invalidation(matching, keyArgs);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args);
            }
            Memo memo = memos.get(method);
            if (memo != null) {
                return memoize(memo, args);
            }
            Object result = call(method, args);
            Invalidation inv = invalidations.get(method);
            if (inv != null) {
                List<Object> key = inv.keyArgs() == 0 ? null : keyOf(Arrays.copyOf(args, inv.keyArgs()));
                for (Memo m : inv.targets()) {
                    m.invalidate(key);
                }
            }
            return result;
        }

        private Object memoize(Memo memo, Object[] args) throws Throwable {
            List<Object> key = keyOf(args);
            Object cached = memo.cache.get(key);
            if (cached != null) {
                return cached;
            }
            long generation = memo.generation.get();
            Object result = call(memo.method, args);
            if (result != null) {
                // Store only if no invalidation started while the target was computing, else a result read before
                // a write could be cached after that write's invalidation. The check runs under the cache lock and
                // invalidate() bumps the generation before removing, so either we see the bump or the removal
                // comes after our store. (Conservative: any invalidation of this method skips the store.)
                memo.cache.compute(key, (k, current) -> memo.generation.get() == generation ? result : current);
            }
            return result;
        }

        private Object call(Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private Object objectMethod(Object proxy, Method method, Object[] args) {
            // Identity semantics: two proxies are equal only if they are the same object, which keeps equals
            // symmetric (the target cannot know it is wrapped).
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> label + "(" + target + ")";
                default -> throw new UnsupportedOperationException(method.toString());
            };
        }

        /** Arguments as an immutable list; allows nulls (unlike List.of) and copies so callers cannot mutate it. */
        private static List<Object> keyOf(Object[] args) {
            if (args == null || args.length == 0) {
                return List.of();
            }
            return Collections.unmodifiableList(Arrays.asList(args.clone()));
        }
    }
}
