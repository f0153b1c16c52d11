package dev.spartan.ratelimit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Rate-limits a gRPC service method per authenticated user: the Java counterpart of the Python {@code @rate}
 * decorator. Java has no function decorators, so the annotation is only a marker; {@link RateLimitInterceptor}
 * (hand-written, as the assignment asks) finds it on the service implementation and enforces it.
 *
 * <p>The annotation names a policy rather than carrying numbers, so the limit comes from configuration
 * (config.yaml's {@code max_call_per_30_seconds_per_user}) and not from the source code.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RateLimit {
    /** Name of the policy; a key of the limiter map given to {@link RateLimitInterceptor}. */
    String value() default "messages";
}
