package dev.spartan.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** gRPC statuses whose description a person can act on. */
public final class Errors {
    private Errors() {}

    public static StatusRuntimeException invalid(String why) {
        return Status.INVALID_ARGUMENT.withDescription(why).asRuntimeException();
    }

    public static StatusRuntimeException notFound(String why) {
        return Status.NOT_FOUND.withDescription(why).asRuntimeException();
    }

    public static StatusRuntimeException denied(String why) {
        return Status.PERMISSION_DENIED.withDescription(why).asRuntimeException();
    }

    public static StatusRuntimeException precondition(String why) {
        return Status.FAILED_PRECONDITION.withDescription(why).asRuntimeException();
    }

    /** A race with a concurrent change was lost; the same call may succeed if made again. */
    public static StatusRuntimeException aborted(String why) {
        return Status.ABORTED.withDescription(why).asRuntimeException();
    }

    public static StatusRuntimeException unauthenticated(String why) {
        return Status.UNAUTHENTICATED.withDescription(why).asRuntimeException();
    }
}
