package dev.spartan.ops;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the open {@code grpc.health.v1.Health/Watch} streams so that a stopping node can end them: a Watch never ends
 * by itself, and the server would wait for it as for any call in flight, adding its whole grace period to every stop.
 */
final class HealthWatches implements ServerInterceptor {
    private final Set<Watch<?, ?>> open = ConcurrentHashMap.newKeySet();

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (!call.getMethodDescriptor()
                .getFullMethodName()
                .equals(HealthGrpc.getWatchMethod().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        Watch<Q, A> watch = new Watch<>(call);
        open.add(watch);
        return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(
                next.startCall(watch, headers)) {
            @Override
            public void onCancel() {
                open.remove(watch);
                super.onCancel();
            }

            @Override
            public void onComplete() {
                open.remove(watch);
                super.onComplete();
            }
        };
    }

    /** Ends every open Watch with {@code status}. */
    void endAll(Status status) {
        for (Watch<?, ?> watch : open) {
            watch.end(status);
        }
    }

    /** A Watch call whose messages and close are serialized, so that the health service and a stop do not race. */
    private static final class Watch<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
        private boolean closed;

        Watch(ServerCall<Q, A> call) {
            super(call);
        }

        @Override
        public synchronized void sendMessage(A message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (!closed) {
                closed = true;
                super.close(status, trailers);
            }
        }

        void end(Status status) {
            close(status, new Metadata());
        }
    }
}
