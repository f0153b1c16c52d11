package dev.spartan.client;

import dev.spartan.contract.Headers;
import dev.spartan.proto.Event;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The channel, the session token and the push stream, with reconnects: when the stream breaks, the client logs in
 * again (to the same server or the next one in the list) with exponential backoff and jitter, and resumes the stream
 * after the last event it handled.
 */
final class Connection {
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final List<String> servers;
    private final ScheduledExecutorService background;
    private final Function<ManagedChannel, LoginResponse> login;
    private final Consumer<Event> handler;
    private final ClientListener listener;
    private LongSupplier resumeAfter = () -> 0;
    private Supplier<String> storeEpoch = () -> "";
    private Runnable reconnected = () -> {};

    private volatile ManagedChannel channel;
    private volatile String token = "";
    private volatile int serverIndex;
    private volatile int generation;
    private volatile boolean up;
    private volatile boolean reconnecting;
    private volatile boolean closed;
    private volatile CountDownLatch caughtUp = new CountDownLatch(1);

    Connection(
            List<String> servers,
            ScheduledExecutorService background,
            Function<ManagedChannel, LoginResponse> login,
            Consumer<Event> handler,
            ClientListener listener) {
        this.servers = List.copyOf(servers);
        this.background = Objects.requireNonNull(background, "background");
        this.login = Objects.requireNonNull(login, "login");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Where the stream resumes: after {@code lastSeq} of the store {@code epoch} (empty: not known yet). */
    void resumeAfter(LongSupplier lastSeq, Supplier<String> epoch) {
        this.resumeAfter = lastSeq;
        this.storeEpoch = epoch;
    }

    void onReconnected(Runnable action) {
        this.reconnected = action;
    }

    String target() {
        return servers.get(serverIndex);
    }

    boolean isUp() {
        return up;
    }

    /** First connect: tries each server once; throws the last refusal if none takes us. */
    void open() {
        StatusRuntimeException last = null;
        for (int i = 0; i < servers.size(); i++) {
            try {
                connectTo(i);
                awaitCaughtUp();
                return;
            } catch (StatusRuntimeException e) {
                last = e;
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private void awaitCaughtUp() {
        try {
            caughtUp.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void connectTo(int index) {
        shutdownChannel();
        serverIndex = index;
        String[] hostPort = servers.get(index).split(":");
        channel = ManagedChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
                .usePlaintext()
                .intercept(new BearerToken())
                .build();
        token = login.apply(channel).getSessionToken();
        up = true;
        caughtUp = new CountDownLatch(1);
        int gen = ++generation;
        SpartanGrpc.newStub(channel)
                .receiveMsg(
                        ReceiveRequest.newBuilder()
                                .setAfterSeq(resumeAfter.getAsLong())
                                .setStoreEpoch(storeEpoch.get())
                                .build(),
                        new Stream(gen));
    }

    SpartanGrpc.SpartanBlockingStub stub() {
        ManagedChannel c = channel;
        if (c == null) {
            throw Status.UNAVAILABLE.withDescription("not connected").asRuntimeException();
        }
        return SpartanGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** The stream or a call found the server gone: reconnect, once, however many noticed. */
    void lost() {
        synchronized (this) {
            if (reconnecting || closed) {
                return;
            }
            reconnecting = true;
            up = false;
        }
        listener.notice("Connection lost, reconnecting...");
        background.execute(() -> attempt(1));
    }

    private void attempt(int n) {
        if (closed) {
            return;
        }
        int index = (serverIndex + (n > 1 ? 1 : 0)) % servers.size();
        try {
            connectTo(index);
            awaitCaughtUp();
            synchronized (this) {
                reconnecting = false;
            }
            listener.notice("Reconnected.");
            reconnected.run();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED
                    || e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                end("the server refused the login: " + e.getStatus().getDescription());
                return;
            }
            long base = Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(n, 10));
            long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
            background.schedule(() -> attempt(n + 1), delay, TimeUnit.MILLISECONDS);
        }
    }

    private void end(String reason) {
        closed = true;
        up = false;
        listener.ended(reason);
    }

    void close() {
        closed = true;
        up = false;
        shutdownChannel();
    }

    private void shutdownChannel() {
        ManagedChannel c = channel;
        if (c != null) {
            c.shutdownNow();
        }
    }

    private final class Stream implements StreamObserver<Event> {
        private final int gen;

        Stream(int gen) {
            this.gen = gen;
        }

        @Override
        public void onNext(Event event) {
            if (gen != generation) {
                return;
            }
            handler.accept(event);
            if (event.hasCaughtUp()) {
                caughtUp.countDown();
            }
        }

        @Override
        public void onError(Throwable t) {
            if (gen != generation || closed) {
                return;
            }
            Status status = Status.fromThrowable(t);
            if (status.getCode() == Status.Code.FAILED_PRECONDITION) {
                end(status.getDescription());
            } else {
                lost();
            }
        }

        @Override
        public void onCompleted() {
            if (gen == generation && !closed) {
                lost();
            }
        }
    }

    private final class BearerToken implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> responseListener, Metadata headers) {
                    if (!token.isEmpty()) {
                        headers.put(Headers.AUTHORIZATION, Headers.BEARER + token);
                    }
                    super.start(responseListener, headers);
                }
            };
        }
    }
}
