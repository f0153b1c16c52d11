package dev.spartan.ratelimit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Rate-limits a gRPC service method per authenticated user. Java has no function decorators, so the annotation is a
 * marker that {@link RateLimitInterceptor} finds on the service implementation and enforces. It names a policy rather
 * than carrying numbers, so the limit comes from config.yaml, not from the source.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RateLimit {
    /** Name of the policy; a key of the limiter map given to {@link RateLimitInterceptor}. */
    String value() default "messages";
}
