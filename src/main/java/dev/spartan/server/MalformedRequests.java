package dev.spartan.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a request that is not a valid protobuf message fail with INVALID_ARGUMENT. grpc-java parses requests before
 * any interceptor sees them, and a parse error ends the call as UNKNOWN ("Application error processing RPC"), which
 * tells the client nothing it can act on. Here the parse error becomes a value that the call answers.
 */
public final class MalformedRequests {
    private MalformedRequests() {}

    /** A request that did not parse, in place of the request. */
    private record Malformed(String type, String reason) {}

    /** {@code service} with every method's request parsed this way. */
    public static ServerServiceDefinition strict(ServerServiceDefinition service) {
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(
                        service.getServiceDescriptor().getName())
                .setSchemaDescriptor(service.getServiceDescriptor().getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> strict = strict(method);
            methods.add(strict);
            descriptor.addMethod(strict.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(out::addMethod);
        return out.build();
    }

    private static <Q, R> ServerMethodDefinition<Object, R> strict(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> original = method.getMethodDescriptor();
        MethodDescriptor.Marshaller<Object> requests = new MethodDescriptor.Marshaller<>() {
            @Override
            @SuppressWarnings("unchecked")
            public InputStream stream(Object value) {
                return original.streamRequest((Q) value);
            }

            @Override
            public Object parse(InputStream stream) {
                try {
                    return original.parseRequest(stream);
                } catch (RuntimeException e) {
                    String type = original.getRequestMarshaller() instanceof MethodDescriptor.ReflectableMarshaller<?> r
                            ? r.getMessageClass().getSimpleName()
                            : "request";
                    Throwable why = e.getCause() != null ? e.getCause() : e;
                    return new Malformed(type, String.valueOf(why.getMessage()));
                }
            }
        };
        MethodDescriptor<Object, R> wrapped =
                original.toBuilder(requests, original.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> next = method.getServerCallHandler();
        ServerCallHandler<Object, R> handler = (call, headers) -> listen(original, next, call, headers);
        return ServerMethodDefinition.create(wrapped, handler);
    }

    private static <Q, R> ServerCall.Listener<Object> listen(
            MethodDescriptor<Q, R> original,
            ServerCallHandler<Q, R> next,
            ServerCall<Object, R> call,
            Metadata headers) {
        @SuppressWarnings("unchecked")
        ServerCall<Q, R> typed = new SimpleForwardingServerCall<>((ServerCall<Q, R>) (ServerCall<?, R>) call) {
            @Override
            public MethodDescriptor<Q, R> getMethodDescriptor() {
                return original;
            }
        };
        ServerCall.Listener<Q> inner = next.startCall(typed, headers);
        return new ServerCall.Listener<>() {
            private boolean refused;

            @Override
            @SuppressWarnings("unchecked")
            public void onMessage(Object message) {
                if (refused) {
                    return;
                }
                if (message instanceof Malformed m) {
                    refused = true;
                    call.close(
                            Status.INVALID_ARGUMENT.withDescription("the request is not a valid "
                                    + serviceName(original) + m.type() + " message: " + m.reason()),
                            new Metadata());
                    return;
                }
                inner.onMessage((Q) message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    inner.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                inner.onCancel();
            }

            @Override
            public void onComplete() {
                inner.onComplete();
            }

            @Override
            public void onReady() {
                if (!refused) {
                    inner.onReady();
                }
            }
        };
    }

    /** "spartan.v1." for "spartan.v1.Spartan/Ack": the proto package the message types share. */
    private static String serviceName(MethodDescriptor<?, ?> method) {
        String service = MethodDescriptor.extractFullServiceName(method.getFullMethodName());
        return service == null ? "" : service.substring(0, service.lastIndexOf('.') + 1);
    }
}
