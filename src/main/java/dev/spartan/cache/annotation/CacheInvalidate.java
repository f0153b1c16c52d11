package dev.spartan.cache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method (typically a write) that makes entries of a {@link Cached @Cached} method on the same interface
 * stale. After the annotated method returns normally, {@link dev.spartan.cache.CachingProxy} removes the cached entry
 * of method {@link #value()} whose argument list equals the first {@link #keyArgs()} arguments of this call. If the
 * method throws, nothing is invalidated: the write did not happen.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CacheInvalidate {
    /** Name of the {@code @Cached} method whose cache to invalidate. */
    String value();

    /** How many leading arguments of this call form the cache key; 0 clears the whole cache of {@link #value()}. */
    int keyArgs() default 1;
}
