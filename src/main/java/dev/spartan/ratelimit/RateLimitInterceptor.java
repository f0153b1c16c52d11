package dev.spartan.ratelimit;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.spartan.auth.Principal;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@link RateLimit @RateLimit} on gRPC service implementations per authenticated user
 * ({@link Principal#USER}), so it must run inside the auth interceptor; a call without a user passes, as authentication
 * has already ruled on it. Annotated methods are matched to gRPC method names once, in the constructor, so a typo in a
 * method or policy name fails at startup. A denied call is closed with {@code RESOURCE_EXHAUSTED} and a
 * {@code google.rpc.RetryInfo} the client reads with {@link dev.spartan.contract.RetryDelay#of}; a failing limiter
 * closes it with {@code UNAVAILABLE}, because letting it through would make the limit optional.
 */
public final class RateLimitInterceptor implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(RateLimitInterceptor.class);
    private static final String UNAVAILABLE = "Rate limiter unavailable, try again later";

    /** One limited gRPC method: its policy name (used in the message) and the limiter enforcing it. */
    private record Limit(String policy, RateLimiter limiter) {}

    private final Map<String, Limit> limitsByFullMethodName;

    /**
     * @param limitersByPolicy limiter for each {@link RateLimit#value()} policy name used by the services
     * @param serviceImpls     the service implementations (each a {@link BindableService}) to scan for annotations
     * @throws IllegalArgumentException if an impl is not a BindableService, an annotated method is not a gRPC method
     *                                  of its service, or names a policy missing from {@code limitersByPolicy}
     */
    public RateLimitInterceptor(Map<String, RateLimiter> limitersByPolicy, Object... serviceImpls) {
        Objects.requireNonNull(limitersByPolicy, "limitersByPolicy");
        Objects.requireNonNull(serviceImpls, "serviceImpls");
        Map<String, Limit> limits = new HashMap<>();
        for (Object impl : serviceImpls) {
            Objects.requireNonNull(impl, "service implementation");
            if (!(impl instanceof BindableService service)) {
                throw new IllegalArgumentException(impl.getClass().getName() + " is not a gRPC BindableService");
            }
            Map<String, String> fullNameByJavaName = new HashMap<>();
            for (ServerMethodDefinition<?, ?> m : service.bindService().getMethods()) {
                String bare = m.getMethodDescriptor().getBareMethodName();
                fullNameByJavaName.put(
                        javaMethodName(bare), m.getMethodDescriptor().getFullMethodName());
            }
            for (Map.Entry<String, String> e : annotatedMethods(impl.getClass()).entrySet()) {
                String javaName = e.getKey();
                String policy = e.getValue();
                String fullName = fullNameByJavaName.get(javaName);
                if (fullName == null) {
                    throw new IllegalArgumentException(
                            "@RateLimit on " + impl.getClass().getName() + "." + javaName
                                    + ", which is not a gRPC method of that service; its methods: "
                                    + fullNameByJavaName.keySet());
                }
                RateLimiter limiter = limitersByPolicy.get(policy);
                if (limiter == null) {
                    throw new IllegalArgumentException("@RateLimit(\"" + policy + "\") on " + fullName
                            + ": no limiter for that policy; configured: " + limitersByPolicy.keySet());
                }
                limits.put(fullName, new Limit(policy, limiter));
            }
        }
        this.limitsByFullMethodName = Map.copyOf(limits);
    }

    /** Full gRPC names of the limited methods, e.g. {@code spartan.v1.Spartan/SendMsg}; for tests and logging. */
    public Set<String> limitedMethods() {
        return limitsByFullMethodName.keySet();
    }

    /** True while any limiter runs on its fallback (the shared limiter does not answer). */
    public boolean degraded() {
        return limitsByFullMethodName.values().stream()
                .anyMatch(l -> l.limiter().degraded());
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        Limit limit = limitsByFullMethodName.get(call.getMethodDescriptor().getFullMethodName());
        String user = Principal.USER.get();
        if (limit == null || user == null) {
            return next.startCall(call, headers);
        }
        if (!call.getMethodDescriptor().getType().clientSendsOneMessage()) {
            return perMessage(limit, user, next.startCall(call, headers));
        }
        Decision decision;
        try {
            decision = limit.limiter().tryAcquire(user);
        } catch (RuntimeException e) {
            log.warn("Rate limiter for policy '{}' failed; rejecting {}", limit.policy(), e.toString());
            call.close(Status.UNAVAILABLE.withDescription(UNAVAILABLE), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        if (decision.allowed()) {
            // The handler may give the call back (Charge.refundCurrent) when it turned out not to count.
            return Contexts.interceptCall(
                    Context.current().withValue(Charge.CURRENT, new Charge(decision)), call, headers, next);
        }
        StatusRuntimeException denial = denial(limit, decision.retryAfter());
        call.close(denial.getStatus(), denial.getTrailers());
        return new ServerCall.Listener<>() {};
    }

    /**
     * A client stream is charged per message, not per call: each message reaches the handler with its own
     * {@link Charge} in the context, admitted or denied, and the handler answers a denied message on the stream.
     */
    private static <ReqT> ServerCall.Listener<ReqT> perMessage(
            Limit limit, String user, ServerCall.Listener<ReqT> delegate) {
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(ReqT message) {
                Context previous = Context.current()
                        .withValue(Charge.CURRENT, admit(limit, user))
                        .attach();
                try {
                    super.onMessage(message);
                } finally {
                    Context.current().detach(previous);
                }
            }
        };
    }

    private static Charge admit(Limit limit, String user) {
        try {
            Decision decision = limit.limiter().tryAcquire(user);
            return decision.allowed() ? new Charge(decision) : Charge.denied(denial(limit, decision.retryAfter()));
        } catch (RuntimeException e) {
            log.warn("Rate limiter for policy '{}' failed; rejecting {}", limit.policy(), e.toString());
            return Charge.denied(Status.UNAVAILABLE.withDescription(UNAVAILABLE).asRuntimeException());
        }
    }

    private static StatusRuntimeException denial(Limit limit, Duration retryAfter) {
        RateLimitConfig cfg = limit.limiter().config();
        // The exact retry delay travels in RetryInfo; the text stays stable so a client can show it as it is.
        String message =
                String.format(Locale.ROOT, "Rate limit reached (%d per %s)", cfg.maxCalls(), human(cfg.window()));
        return exhausted(message, retryAfter);
    }

    /** RESOURCE_EXHAUSTED with {@code message} and the retry delay as {@code google.rpc.RetryInfo}. */
    static StatusRuntimeException exhausted(String message, Duration retryAfter) {
        RetryInfo retryInfo = RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(retryAfter.getSeconds())
                        .setNanos(retryAfter.getNano()))
                .build();
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                .setMessage(message)
                .addDetails(Any.pack(retryInfo))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    /** "30s", or "1500ms" for windows that are not whole seconds. */
    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** gRPC-java generates {@code sendMsg} for the proto method {@code SendMsg}. */
    static String javaMethodName(String grpcMethodName) {
        if (grpcMethodName.isEmpty()) {
            return grpcMethodName;
        }
        return Character.toLowerCase(grpcMethodName.charAt(0)) + grpcMethodName.substring(1);
    }

    /** Java method name -> policy, from the class and its superclasses; an override's annotation wins. */
    private static Map<String, String> annotatedMethods(Class<?> type) {
        Map<String, String> policies = new HashMap<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                RateLimit rl = m.getAnnotation(RateLimit.class);
                if (rl != null && !m.isSynthetic() && !m.isBridge()) {
                    policies.putIfAbsent(m.getName(), rl.value());
                }
            }
        }
        return policies;
    }
}
