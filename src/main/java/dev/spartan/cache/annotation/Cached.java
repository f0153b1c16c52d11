package dev.spartan.cache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Memoizes an interface method: results are kept per argument list in a bounded LRU cache, on objects wrapped with
 * {@link dev.spartan.cache.CachingProxy#wrap} (Java has no function decorators). Arguments must have value-based
 * {@code equals}/{@code hashCode}; {@code null} results are not cached.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Cached {
    /** Maximum number of argument lists remembered. */
    int size() default 1024;
}
