package dev.spartan.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.proto.MismatchedDevices;
import dev.spartan.proto.SendAck;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A send refused for a stale device set (PROTOCOL.md, "Devices") is sealed again for the devices the refusal names
 * and sent with the same message id, a few times at most: each refusal brings the set up to date, so a second one
 * only comes from a device linked or unlinked meanwhile.
 */
final class MismatchedDevicesRetry {
    static final int ROUNDS = 3;

    /** One attempt: seals the message (for the devices known now) and sends it. */
    interface Attempt {
        SendAck send() throws Outbox.NotReady;
    }

    private MismatchedDevicesRetry() {}

    static SendAck send(Attempt attempt, Consumer<MismatchedDevices> learn) throws Outbox.NotReady {
        for (int round = 1; ; round++) {
            try {
                return attempt.send();
            } catch (StatusRuntimeException e) {
                Optional<MismatchedDevices> current = of(e);
                if (current.isEmpty() || round >= ROUNDS) {
                    throw e;
                }
                learn.accept(current.get());
            }
        }
    }

    /** The current device set a refusal carries in its status details, if it does. */
    static Optional<MismatchedDevices> of(Throwable refusal) {
        com.google.rpc.Status status = StatusProto.fromThrowable(refusal);
        if (status == null) {
            return Optional.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (detail.is(MismatchedDevices.class)) {
                try {
                    return Optional.of(detail.unpack(MismatchedDevices.class));
                } catch (InvalidProtocolBufferException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
