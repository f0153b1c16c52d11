package dev.spartan.server;

import dev.spartan.auth.SessionTokens;
import dev.spartan.chat.Refusal;
import dev.spartan.store.CorruptStoreException;
import dev.spartan.store.StoreUnavailableException;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * The one place where domain exceptions become gRPC statuses. Handlers throw {@link Refusal} or
 * {@link StoreUnavailableException}; this interceptor rethrows them as {@link StatusRuntimeException}, which
 * {@code TransmitStatusRuntimeExceptionInterceptor} (placed outside it) sends to the client.
 */
public final class StatusMapping implements ServerInterceptor {
    private static final StatusMapping INSTANCE = new StatusMapping();

    private StatusMapping() {}

    public static StatusMapping instance() {
        return INSTANCE;
    }

    /** The status a client sees for this failure, if it is one the domain knows. */
    public static Optional<Status> statusOf(Throwable failure) {
        if (failure instanceof Refusal refusal) {
            return Optional.of(codeOf(refusal.kind()).withDescription(StatusText.escape(refusal.getMessage())));
        }
        if (failure instanceof StoreUnavailableException) {
            return Optional.of(Status.UNAVAILABLE
                    .withDescription("storage is unavailable, try again shortly")
                    .withCause(failure));
        }
        if (failure instanceof CorruptStoreException) {
            return Optional.of(Status.DATA_LOSS
                    .withDescription("the server's store holds a record it cannot read; tell the operator")
                    .withCause(failure));
        }
        return Optional.empty();
    }

    /**
     * How a push stream ends when its session does. Only an expiry invites the client to log in again by itself;
     * after a newer login, a logout or the operator's reset it must not come back on its own.
     */
    public static Status ofSessionEnd(String user, SessionTokens.End end) {
        return switch (end) {
            case REPLACED ->
                Status.FAILED_PRECONDITION.withDescription(
                        user + " signed in from another client; this session is closed");
            case LOGGED_OUT -> Status.FAILED_PRECONDITION.withDescription(user + " logged out; this session is closed");
            case RESET ->
                Status.FAILED_PRECONDITION.withDescription(
                        "the operator reset the keys of " + user + "; this session is closed");
            case EXPIRED -> Status.UNAUTHENTICATED.withDescription("session expired: log in again");
            case UNLINKED ->
                Status.FAILED_PRECONDITION.withDescription(
                        "this device (" + user + ") was unlinked from its account; this session is closed");
        };
    }

    private static Status codeOf(Refusal.Kind kind) {
        return switch (kind) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case EXISTS -> Status.ALREADY_EXISTS;
            case DENIED -> Status.PERMISSION_DENIED;
            case PRECONDITION -> Status.FAILED_PRECONDITION;
            case CONFLICT -> Status.ABORTED;
            case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
            case EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
        };
    }

    private static RuntimeException mapped(RuntimeException e) {
        if (e instanceof Refusal r && r.mismatched().isPresent()) {
            // the current device set travels as the status detail (PROTOCOL.md, "Devices")
            Status status = statusOf(e).orElseThrow();
            return io.grpc.protobuf.StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                    .setCode(status.getCode().value())
                    .setMessage(status.getDescription())
                    .addDetails(com.google.protobuf.Any.pack(r.mismatched().get()))
                    .build());
        }
        return statusOf(e).<RuntimeException>map(Status::asRuntimeException).orElse(e);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(call, headers);
        } catch (RuntimeException e) {
            throw mapped(e);
        }
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                try {
                    super.onMessage(message);
                } catch (RuntimeException e) {
                    throw mapped(e);
                }
            }

            @Override
            public void onHalfClose() {
                try {
                    super.onHalfClose();
                } catch (RuntimeException e) {
                    throw mapped(e);
                }
            }

            @Override
            public void onReady() {
                try {
                    super.onReady();
                } catch (RuntimeException e) {
                    throw mapped(e);
                }
            }
        };
    }
}
