package dev.spartan.contract;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads the {@code google.rpc.RetryInfo} a server attaches to a refusal (in {@code grpc-status-details-bin}), so a
 * client knows when to try again.
 */
public final class RetryDelay {
    private RetryDelay() {}

    /**
     * The retry delay a server sent with a {@code RESOURCE_EXHAUSTED} (or any) status, if any. Client-side helper:
     * pass the {@code StatusRuntimeException} a stub threw.
     */
    public static Optional<Duration> of(Throwable statusException) {
        if (statusException == null) {
            return Optional.empty();
        }
        com.google.rpc.Status status = StatusProto.fromThrowable(statusException);
        if (status == null) {
            return Optional.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (detail.is(RetryInfo.class)) {
                try {
                    com.google.protobuf.Duration d =
                            detail.unpack(RetryInfo.class).getRetryDelay();
                    return Optional.of(Duration.ofSeconds(d.getSeconds(), d.getNanos()));
                } catch (InvalidProtocolBufferException e) {
                    return Optional.empty(); // a malformed detail is no retry hint
                }
            }
        }
        return Optional.empty();
    }
}
