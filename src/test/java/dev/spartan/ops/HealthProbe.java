package dev.spartan.ops;

import dev.spartan.testing.TlsChannels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A gRPC health client over one channel, as a load balancer would keep it. */
final class HealthProbe implements AutoCloseable {
    private final ManagedChannel channel;

    HealthProbe(int port) {
        channel = TlsChannels.firstUse(port);
    }

    /** SERVING, NOT_SERVING, ... or the status code of a failed check, e.g. UNAVAILABLE once the port is closed. */
    String status(String service) {
        try {
            return HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build())
                    .getStatus()
                    .name();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    /** Opens a Watch, as a load balancer keeps one; completes with the status it ends with. */
    CompletableFuture<Status> watch(String service) {
        CompletableFuture<Status> end = new CompletableFuture<>();
        HealthGrpc.newStub(channel)
                .watch(HealthCheckRequest.newBuilder().setService(service).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(HealthCheckResponse value) {}

                    @Override
                    public void onError(Throwable t) {
                        end.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        end.complete(Status.OK);
                    }
                });
        return end;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
