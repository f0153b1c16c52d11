package dev.spartan.bench;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SendResult;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The transport baseline: the same proto and the same call patterns (unary SendMsg or a SendStream in, server stream
 * ReceiveMsg out) with none of the chat logic: no login, no store, no crypto, an in-memory queue per recipient. What this server
 * manages per second is what gRPC itself manages on this machine, and the bench reports ours as a share of it.
 */
final class RelayServer {
    static final Metadata.Key<String> USER = Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> CALLER = Context.key("relay-user");

    private static final class Outlet {
        final ServerCallStreamObserver<Event> observer;
        final Queue<Event> queue = new ConcurrentLinkedQueue<>();
        final AtomicBoolean draining = new AtomicBoolean();

        Outlet(ServerCallStreamObserver<Event> observer) {
            this.observer = observer;
        }

        void drain() {
            // Serialized: only the thread that wins the flag writes; whoever adds after re-checks.
            while (draining.compareAndSet(false, true)) {
                try {
                    while (observer.isReady()) {
                        Event e = queue.poll();
                        if (e == null) {
                            break;
                        }
                        observer.onNext(e);
                    }
                } finally {
                    draining.set(false);
                }
                if (queue.isEmpty() || !observer.isReady()) {
                    return;
                }
            }
        }
    }

    private final Map<String, Outlet> outlets = new ConcurrentHashMap<>();

    static Server start(int port) throws IOException {
        RelayServer relay = new RelayServer();
        ServerInterceptor who = new ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                    io.grpc.ServerCall<Q, R> call, Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                return Contexts.interceptCall(
                        Context.current().withValue(CALLER, headers.get(USER)), call, headers, next);
            }
        };
        return Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(relay.service(), who))
                .build()
                .start();
    }

    private SpartanGrpc.SpartanImplBase service() {
        return new SpartanGrpc.SpartanImplBase() {
            @Override
            public void receiveMsg(ReceiveRequest request, StreamObserver<Event> observer) {
                String me = CALLER.get();
                Outlet outlet = new Outlet((ServerCallStreamObserver<Event>) observer);
                outlet.observer.setOnReadyHandler(outlet::drain);
                outlet.observer.setOnCancelHandler(() -> outlets.remove(me, outlet));
                outlets.put(me, outlet);
            }

            @Override
            public void sendMsg(SendRequest request, StreamObserver<SendAck> response) {
                response.onNext(relay(CALLER.get(), request));
                response.onCompleted();
            }

            @Override
            public StreamObserver<SendRequest> sendStream(StreamObserver<SendResult> response) {
                String me = CALLER.get();
                return new StreamObserver<>() {
                    @Override
                    public void onNext(SendRequest request) {
                        SendAck ack = relay(me, request);
                        response.onNext(SendResult.newBuilder()
                                .setMessageId(ack.getMessageId())
                                .setAck(ack)
                                .build());
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        response.onCompleted();
                    }
                };
            }
        };
    }

    private SendAck relay(String sender, SendRequest request) {
        Event event = Event.newBuilder()
                .setMessage(ChatMessage.newBuilder()
                        .setMessageId(request.getMessageId())
                        .setSender(sender)
                        .setChat(request.getTo())
                        .setSealed(request.getSealed()))
                .build();
        Outlet outlet = outlets.get(request.getTo().getUser());
        if (outlet != null) {
            outlet.queue.add(event);
            outlet.drain();
        }
        return SendAck.newBuilder().setMessageId(request.getMessageId()).build();
    }
}
