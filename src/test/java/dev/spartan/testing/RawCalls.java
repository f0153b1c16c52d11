package dev.spartan.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Unary calls with request and answer as raw bytes, for sending what no generated stub would (bad protobuf). */
public final class RawCalls {
    /** Bytes as they are: for calls and proxies that must not parse what they carry. */
    static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private RawCalls() {}

    /** Calls {@code method} with {@code body} as its request's bytes; returns the answer's bytes. */
    public static byte[] unary(Channel channel, MethodDescriptor<?, ?> method, byte[] body) {
        MethodDescriptor<byte[], byte[]> raw = method.toBuilder(RAW, RAW).build();
        return ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT, body);
    }
}
