package dev.spartan.server;

import dev.spartan.chat.KeyLog;
import dev.spartan.proto.GetKeysResponse;
import dev.spartan.proto.KeyLogRequest;
import dev.spartan.proto.KeyLogResponse;
import dev.spartan.proto.KeyTransparencyGrpc;
import dev.spartan.proto.PreKeyBundle;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.StreamObserver;
import java.util.Objects;

/**
 * Key transparency at the edge (PROTOCOL.md, "Key transparency"): every answer that hands out an identity key
 * (GetKeys, FetchPreKeyBundle) gets the proof that the key is in the {@link KeyLog}, and the KeyTransparency service
 * answers for the log itself. The chat service does not know of it.
 */
final class KeyLogProofs extends KeyTransparencyGrpc.KeyTransparencyImplBase implements ServerInterceptor {
    private final KeyLog log;

    KeyLogProofs(KeyLog log) {
        this.log = Objects.requireNonNull(log, "log");
    }

    @Override
    public void keyLog(KeyLogRequest request, StreamObserver<KeyLogResponse> response) {
        response.onNext(log.answer(request));
        response.onCompleted();
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        return next.startCall(
                new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    @SuppressWarnings("unchecked")
                    public void sendMessage(A message) {
                        super.sendMessage((A) proven(message));
                    }
                },
                headers);
    }

    private Object proven(Object message) {
        if (message instanceof GetKeysResponse r && r.hasKeys()) {
            return r.toBuilder()
                    .setInclusion(log.include(
                            r.getUser(), r.getKeys().getIdentityKey().toByteArray()))
                    .build();
        }
        if (message instanceof PreKeyBundle b) {
            return b.toBuilder()
                    .setInclusion(log.include(
                            dev.spartan.contract.Addresses.userOf(b.getUser()),
                            b.getIdentityKey().toByteArray()))
                    .build();
        }
        return message;
    }
}
