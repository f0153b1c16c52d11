package dev.spartan.client;

import dev.spartan.contract.Headers;
import dev.spartan.proto.Event;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.tls.ChangedCertificateException;
import dev.spartan.tls.ClientTls;
import dev.spartan.tls.ServerTrust;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
    private final ClientTls tls;
    private final ScheduledExecutorService background;
    private final Function<ManagedChannel, LoginResponse> login;
    private final Consumer<Event> handler;
    private final ClientListener listener;
    private LongSupplier resumeAfter = () -> 0;
    private Supplier<String> storeEpoch = () -> "";
    private Runnable reconnected = () -> {};

    private volatile ManagedChannel channel;
    private volatile Optional<ServerTrust> trust = Optional.empty();
    private volatile String token = "";
    private volatile int sendWindow = 1;
    private volatile int serverIndex;
    private volatile int generation;
    private volatile boolean up;
    private volatile boolean reconnecting;
    private volatile boolean closed;
    private volatile CountDownLatch caughtUp = new CountDownLatch(1);

    Connection(
            List<String> servers,
            ClientTls tls,
            ScheduledExecutorService background,
            Function<ManagedChannel, LoginResponse> login,
            Consumer<Event> handler,
            ClientListener listener) {
        this.servers = List.copyOf(servers);
        this.tls = Objects.requireNonNull(tls, "tls");
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

    /**
     * First connect: tries each server once; throws the last refusal if none takes us, or an
     * IllegalStateException whose message is the one line to show when TLS is what failed.
     */
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
                Optional<String> problem = tlsProblem(e);
                if (problem.isPresent()) {
                    throw new IllegalStateException(problem.get(), e);
                }
            }
        }
        throw last;
    }

    /** A certificate that changed, or a TLS mismatch with the server, in one line; empty if TLS was not the cause. */
    private Optional<String> tlsProblem(StatusRuntimeException e) {
        Optional<ChangedCertificateException> changed = trust.flatMap(ServerTrust::changed);
        if (changed.isPresent()) {
            return Optional.of(changed.get().advice());
        }
        if (tls.isPlaintext()
                && "Network closed for unknown reason".equals(e.getStatus().getDescription())) {
            // Connected, then closed without a word: what a TLS server does with a plaintext HTTP/2 preface.
            return Optional.of("Spartan Server at " + target() + " closed the connection: it probably speaks TLS;"
                    + " connect without --plaintext.");
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getSimpleName();
            if (name.equals("NotSslRecordException")) {
                return Optional.of("Spartan Server at " + target() + " does not speak TLS (started with"
                        + " --plaintext?): connect with --plaintext only if you trust every network in between.");
            }
            if (t instanceof javax.net.ssl.SSLException && !tls.isPlaintext()) {
                return Optional.of("TLS with Spartan Server at " + target() + " failed: " + t.getMessage());
            }
        }
        return Optional.empty();
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
        String[] hostPort = servers.get(index).split(":", -1);
        trust = tls.trustFor(servers.get(index));
        channel = Grpc.newChannelBuilderForAddress(
                        hostPort[0], Integer.parseInt(hostPort[1]), ClientTls.credentials(trust))
                .intercept(new BearerToken())
                .build();
        LoginResponse session = login.apply(channel);
        trust.flatMap(ServerTrust::rotation).ifPresent(listener::notice);
        token = session.getSessionToken();
        sendWindow = Math.max(1, session.getSendWindow()); // 0 from a server that has no SendStream
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

    /** The session's channel (its calls carry the token), or null while there is none. */
    Channel channel() {
        return channel;
    }

    /** A stub for streams, without a deadline of its own. */
    SpartanGrpc.SpartanStub asyncStub() {
        ManagedChannel c = channel;
        if (c == null) {
            throw Status.UNAVAILABLE.withDescription("not connected").asRuntimeException();
        }
        return SpartanGrpc.newStub(c);
    }

    /** The most unanswered messages the server allows on one SendStream (from the login). */
    int sendWindow() {
        return sendWindow;
    }

    /** The stream or a call found the server gone: reconnect, once, however many noticed. */
    void lost() {
        reconnect(false);
    }

    /** The session expired: log in again at once, without telling the user. */
    private void expired() {
        reconnect(true);
    }

    private void reconnect(boolean quietly) {
        synchronized (this) {
            if (reconnecting || closed) {
                return;
            }
            reconnecting = true;
            up = false;
        }
        if (!quietly) {
            listener.notice("Connection lost, reconnecting...");
        }
        background.execute(() -> attempt(1, quietly));
    }

    /** Revokes this session's token on the server (a logout); false if not connected. */
    boolean logout() {
        ManagedChannel c = channel;
        if (c == null || !up || token.isEmpty()) {
            return false;
        }
        closed = true; // the stream's end that follows is ours, not a reason to reconnect
        Login.logout(c, token);
        return true;
    }

    private void attempt(int n, boolean quietly) {
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
            if (!quietly) {
                listener.notice("Reconnected.");
            }
            reconnected.run();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.UNAUTHENTICATED
                    || code == Status.Code.NOT_FOUND
                    || code == Status.Code.PERMISSION_DENIED) {
                end("the server refused the login: " + e.getStatus().getDescription());
                return;
            }
            Optional<ChangedCertificateException> changed = trust.flatMap(ServerTrust::changed);
            if (changed.isPresent()) {
                end(changed.get().advice());
                return;
            }
            long base = Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(n, 10));
            long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
            var unused = background.schedule(() -> attempt(n + 1, quietly), delay, TimeUnit.MILLISECONDS);
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
            } else if (status.getCode() == Status.Code.UNAUTHENTICATED) {
                expired();
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
