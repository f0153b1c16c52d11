package dev.spartan.ops;

import dev.spartan.auth.Principal;
import dev.spartan.crypto.PublicIdentity;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SendResult;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per security event of a call: a login (user, key fingerprint, peer address), a refused login and
 * why, a stream opened or closed, a rate-limit refusal (at most one line per user per window, so a client that
 * hammers the limit cannot flood the log). Never a token, a key or a message body: only names, fingerprints,
 * addresses and status descriptions, which the server writes for people to read.
 *
 * <p>Registered inside the authentication interceptor on the chat service, so it knows the caller, and outermost on
 * the login service, so it sees the final status.
 */
public final class AccessLog implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final String CHALLENGE = AuthGrpc.getChallengeMethod().getFullMethodName();
    private static final String LOGIN = AuthGrpc.getLoginMethod().getFullMethodName();
    private static final String RECEIVE = SpartanGrpc.getReceiveMsgMethod().getFullMethodName();

    private final long quietNanos;
    private final Map<String, Long> lastRateLimitLine = new ConcurrentHashMap<>();

    /** @param rateLimitWindow after a rate-limit line for a user, the next one for that user waits this long */
    public AccessLog(Duration rateLimitWindow) {
        this.quietNanos = rateLimitWindow.toNanos();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (method.equals(CHALLENGE) || method.equals(LOGIN)) {
            return login(call, headers, next);
        }
        String user = Principal.USER.get();
        if (user == null) {
            return next.startCall(call, headers);
        }
        String peer = Peer.of(call);
        boolean stream = method.equals(RECEIVE);
        if (stream) {
            log.info("stream opened for {} from {}", user, peer);
        }
        AtomicBoolean closed = new AtomicBoolean();
        ServerCall<Q, R> watched = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
                if (message instanceof SendResult result && RpcMetrics.rateLimited(result)) {
                    limited(
                            "rate limit hit by",
                            user,
                            call.getMethodDescriptor().getBareMethodName(),
                            Status.RESOURCE_EXHAUSTED.withDescription(
                                    result.getRefused().getDescription()));
                }
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                if (closed.compareAndSet(false, true)) {
                    if (stream) {
                        log.info("stream closed for {} from {}: {}", user, peer, describe(status));
                    }
                    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                        // Only the rate limit says when to come back; a size or quota limit is another line.
                        limited(
                                RpcMetrics.saysWhenToRetry(status, trailers) ? "rate limit hit by" : "limit reached by",
                                user,
                                call.getMethodDescriptor().getBareMethodName(),
                                status);
                    }
                }
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> listener = next.startCall(watched, headers);
        if (!stream) {
            return listener;
        }
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                if (closed.compareAndSet(false, true)) {
                    log.info("stream closed for {} from {}: the client went away", user, peer);
                }
                super.onCancel();
            }
        };
    }

    private <Q, R> ServerCall.Listener<Q> login(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String peer = Peer.of(call);
        boolean isLogin = call.getMethodDescriptor().getFullMethodName().equals(LOGIN);
        String[] who = {"?", ""}; // user, " key <fingerprint>"
        ServerCall<Q, R> watched = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (status.isOk() && isLogin) {
                    log.info("login {}{} from {}", who[0], who[1], peer);
                } else if (!status.isOk()) {
                    log.warn("login refused for {}{} from {}: {}", who[0], who[1], peer, describe(status));
                }
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(watched, headers)) {
            @Override
            public void onMessage(Q message) {
                if (message instanceof LoginRequest request) {
                    who[0] = Printable.of(request.getUser());
                    who[1] = " key " + fingerprint(request.getKeys());
                } else if (message instanceof ChallengeRequest request) {
                    who[0] = Printable.of(request.getUser());
                }
                super.onMessage(message);
            }
        };
    }

    private void limited(String what, String user, String method, Status status) {
        long now = System.nanoTime();
        Long last = lastRateLimitLine.get(user);
        if (last != null && now - last < quietNanos) {
            return;
        }
        lastRateLimitLine.put(user, now);
        log.warn(
                "{} {} on {}: {} (further refusals of {} are not logged for {} s)",
                what,
                user,
                method,
                Printable.of(status.getDescription()),
                user,
                Math.max(1, quietNanos / 1_000_000_000));
    }

    private static String fingerprint(PublicKeys keys) {
        try {
            return new PublicIdentity(
                            keys.getSigningKey().toByteArray(),
                            keys.getAgreementKey().toByteArray())
                    .fingerprint();
        } catch (IllegalArgumentException e) {
            return "(malformed keys)";
        }
    }

    private static String describe(Status status) {
        String description = status.getDescription();
        return status.getCode() + (description == null ? "" : " " + Printable.of(description));
    }
}
