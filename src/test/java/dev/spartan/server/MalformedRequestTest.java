package dev.spartan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.proto.AckRequest;
import dev.spartan.proto.AckResponse;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.testing.RawCalls;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bytes that are not a valid request message get INVALID_ARGUMENT, over a real HTTP/2 connection. */
class MalformedRequestTest {
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        SpartanGrpc.SpartanImplBase service = new SpartanGrpc.SpartanImplBase() {
            @Override
            public void ack(AckRequest request, StreamObserver<AckResponse> response) {
                response.onNext(AckResponse.getDefaultInstance());
                response.onCompleted();
            }
        };
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(MalformedRequests.strict(service.bindService()))
                .build()
                .start();
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
                .build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private byte[] ack(byte[] body) {
        return RawCalls.unary(channel, SpartanGrpc.getAckMethod(), body);
    }

    @Test
    void garbageIsAnInvalidArgument() {
        // Field 1 as a varint whose continuation bit never ends: not a protobuf message.
        byte[] garbage = {0x08, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> ack(garbage)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("not a valid spartan.v1.AckRequest");
        });
        assertThat(ack(AckRequest.newBuilder().setSeq(0).build().toByteArray())).isEmpty();
    }
}
