package dev.spartan.ops;

import com.google.rpc.RetryInfo;
import dev.spartan.proto.SendResult;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every call's outcome and duration, by service, method and status code: {@code grpc_server_handling_seconds}, a
 * histogram whose {@code _count} is the number of calls. The names and labels are those of go-grpc-prometheus, which
 * most gRPC dashboards expect. For a stream the duration is how long it stayed open.
 */
public final class RpcMetrics implements ServerInterceptor {
    private final MeterRegistry registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

    public RpcMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        MethodDescriptor<Q, R> method = call.getMethodDescriptor();
        AtomicBoolean recorded = new AtomicBoolean();
        ServerCall<Q, R> timed = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
                // On SendStream the rate limit refuses single messages, in answers, not the call.
                if (message instanceof SendResult result && rateLimited(result)) {
                    refused(method);
                }
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                if (recorded.compareAndSet(false, true)) {
                    record(method, status.getCode(), start);
                    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && saysWhenToRetry(status, trailers)) {
                        refused(method);
                    }
                }
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(timed, headers)) {
            @Override
            public void onCancel() {
                if (recorded.compareAndSet(false, true)) {
                    record(method, Status.Code.CANCELLED, start);
                }
                super.onCancel();
            }
        };
    }

    static boolean rateLimited(SendResult result) {
        return result.hasRefused()
                && result.getRefused().getCode() == Status.Code.RESOURCE_EXHAUSTED.value()
                && result.getRefused().hasRetryDelay();
    }

    /** A rate-limit refusal carries a RetryInfo; a refusal for a size or count limit does not. */
    static boolean saysWhenToRetry(Status status, Metadata trailers) {
        com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
        return details.getDetailsList().stream().anyMatch(any -> any.is(RetryInfo.class));
    }

    private void refused(MethodDescriptor<?, ?> method) {
        refusals.computeIfAbsent(
                        method.getFullMethodName(),
                        k -> Counter.builder("spartan.rate.limit.refusals")
                                .description("Calls refused by the rate limit, with a delay to retry after")
                                .tag("grpc_method", method.getBareMethodName())
                                .register(registry))
                .increment();
    }

    private void record(MethodDescriptor<?, ?> method, Status.Code code, long start) {
        timers.computeIfAbsent(
                        method.getFullMethodName() + " " + code,
                        k -> Timer.builder("grpc.server.handling")
                                .description("gRPC calls handled, by method and status code")
                                .tag("grpc_service", String.valueOf(method.getServiceName()))
                                .tag("grpc_method", method.getBareMethodName())
                                .tag("grpc_type", method.getType().name().toLowerCase(Locale.ROOT))
                                .tag("grpc_code", code.name())
                                .publishPercentileHistogram()
                                .maximumExpectedValue(Duration.ofSeconds(30))
                                .register(registry))
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
}
