package dev.spartan.ratelimit;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Limits calls per peer IP address, for the methods a caller reaches before it has an identity (asking for a login
 * challenge). Refusals look like the per-user rate limit: RESOURCE_EXHAUSTED with the delay in RetryInfo.
 */
public final class AddressRateLimitInterceptor implements ServerInterceptor {
    private final RateLimiter limiter;
    private final Set<String> methods;
    private final String what;

    /**
     * @param methods full method names that are limited
     * @param what    what the caller is doing, for the message ("login attempts")
     */
    public AddressRateLimitInterceptor(RateLimiter limiter, Set<String> methods, String what) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.methods = Set.copyOf(methods);
        this.what = Objects.requireNonNull(what, "what");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!methods.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String address = remote instanceof InetSocketAddress in && in.getAddress() != null
                ? in.getAddress().getHostAddress()
                : String.valueOf(remote);
        Decision decision = limiter.tryAcquire(address);
        if (decision.allowed()) {
            return next.startCall(call, headers);
        }
        RateLimitConfig cfg = limiter.config();
        StatusRuntimeException denial = RateLimitInterceptor.exhausted(
                String.format(
                        Locale.ROOT,
                        "Too many %s from %s (%d per %s)",
                        what,
                        address,
                        cfg.maxCalls(),
                        RateLimitInterceptor.human(cfg.window())),
                decision.retryAfter());
        call.close(denial.getStatus(), denial.getTrailers());
        return new ServerCall.Listener<>() {};
    }
}
