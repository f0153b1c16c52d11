package dev.spartan.server;

import dev.spartan.auth.AuthInterceptor;
import dev.spartan.auth.Principal;
import dev.spartan.chat.Refusal;
import dev.spartan.contract.RetryDelay;
import dev.spartan.proto.Refused;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SendResult;
import dev.spartan.ratelimit.Charge;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SendStream call: each request is sent as soon as it arrives (so its writes keep the stream's order), and
 * answered once durable, in the order received, with the ack or the refusal the unary call would have given.
 *
 * <p>Flow control is honest both ways: the stream asks the transport for one more request per answer written, and
 * writes only while the transport is ready, so a client holds at most {@code window} unanswered requests here. The
 * transport is asked for one more than that, so a client that overruns the window is told so instead of stalling.
 *
 * <p>A refusal the client is meant to retry (the rate limit, an unavailable store) blocks the stream: every later
 * message gets the same answer, and is not stored, until the refused message_id comes again. Otherwise a later
 * message could be stored before the one the client resends, and the conversation would lose its order.
 */
final class SendStream implements StreamObserver<SendRequest> {
    private static final Logger log = LoggerFactory.getLogger(SendStream.class);

    /** Sends one message as the caller: writes now, completes once durable (see Conversations#sendAsync). */
    interface Sender {
        CompletableFuture<SendAck> send(String me, SendRequest request);
    }

    private final String me;
    private final ServerCallStreamObserver<SendResult> out;
    private final int window;
    private final Sender sender;
    /** The node's open SendStreams, so that a stopping node can end them; this one is in it until it is closed. */
    private final Set<SendStream> open;
    /** Answers of the requests received and not yet written, in the order received. */
    private final Deque<CompletableFuture<SendResult>> answers = new ArrayDeque<>();

    private boolean halfClosed;
    private boolean closed;
    /** Set when the node stops: no more requests are read, and once the last answer is written the stream ends so. */
    private Status ending;
    /** The id the client must send again before anything else is stored, and what the others are answered. */
    private String mustResend;

    private Refused blockedWith;

    private SendStream(
            String me, ServerCallStreamObserver<SendResult> out, int window, Sender sender, Set<SendStream> open) {
        this.me = Objects.requireNonNull(me, "me");
        this.out = Objects.requireNonNull(out, "out");
        this.window = window;
        this.sender = Objects.requireNonNull(sender, "sender");
        this.open = Objects.requireNonNull(open, "open");
    }

    /** @param open the node's open SendStreams: the new one is added, and removed once it is closed */
    static StreamObserver<SendRequest> open(
            String me, ServerCallStreamObserver<SendResult> out, int window, Sender sender, Set<SendStream> open) {
        SendStream stream = new SendStream(me, out, window, sender, open);
        open.add(stream);
        out.disableAutoRequest();
        out.setOnReadyHandler(stream::drain);
        out.setOnCancelHandler(stream::cancelled);
        out.request(window + 1);
        return stream;
    }

    @Override
    public void onNext(SendRequest request) {
        Charge charge = Charge.current().orElse(null);
        synchronized (this) {
            if (closed || ending != null) {
                return; // after the stream ends unanswered, the client sends it again
            }
            if (answers.size() >= window) {
                // Logged because it is the client's fault and rare: a client that keeps to the protocol never sees it.
                log.info("SendStream of {} closed: more than {} messages unanswered (send_window)", me, window);
                closeWith(Status.RESOURCE_EXHAUSTED.withDescription("more than " + window
                        + " messages on this SendStream are unanswered (send_window): wait for their answers"));
                return;
            }
        }
        if (!Principal.sessionLive()) {
            synchronized (this) {
                closeWith(Status.UNAUTHENTICATED.withDescription(AuthInterceptor.ENDED));
            }
            return;
        }
        CompletableFuture<SendResult> answer = answer(request, charge);
        synchronized (this) {
            if (closed) {
                return;
            }
            answers.add(answer);
        }
        var unused = answer.whenComplete((result, failure) -> drain());
    }

    @Override
    public void onError(Throwable t) {
        cancelled();
    }

    @Override
    public void onCompleted() {
        synchronized (this) {
            halfClosed = true;
        }
        drain();
    }

    /**
     * Ends the stream because the node stops: the requests read so far are answered, then the stream ends with
     * {@code status}; what the client sent after them is not read, and the client sends it again elsewhere.
     */
    void end(Status status) {
        synchronized (this) {
            if (closed || ending != null) {
                return;
            }
            ending = status;
        }
        drain();
    }

    private CompletableFuture<SendResult> answer(SendRequest request, Charge charge) {
        String id = request.getMessageId();
        synchronized (this) {
            if (mustResend != null) {
                if (!mustResend.equals(id)) {
                    refund(charge);
                    return CompletableFuture.completedFuture(
                            result(id).setRefused(blockedWith).build());
                }
                mustResend = null;
                blockedWith = null;
            }
            Optional<StatusRuntimeException> denial = charge == null ? Optional.empty() : charge.denial();
            if (denial.isPresent()) {
                Refused refused = refused(denial.get().getStatus(), RetryDelay.of(denial.get()));
                block(id, refused);
                return CompletableFuture.completedFuture(
                        result(id).setRefused(refused).build());
            }
        }
        CompletableFuture<SendAck> sent;
        try {
            sent = sender.send(me, request);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((ack, failure) -> {
            if (failure == null) {
                if (ack.getDuplicate()) {
                    refund(charge);
                }
                return result(id).setAck(ack).build();
            }
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof Refusal r && !r.counted()) {
                refund(charge);
            }
            Refused refused = refused(cause);
            if (refused.getCode() == Status.Code.UNAVAILABLE.value()) {
                block(id, refused);
            }
            return result(id).setRefused(refused).build();
        });
    }

    private synchronized void block(String id, Refused refused) {
        if (mustResend == null) {
            mustResend = id;
            blockedWith = refused;
        }
    }

    private static void refund(Charge charge) {
        if (charge != null) {
            charge.refund();
        }
    }

    private static SendResult.Builder result(String id) {
        return SendResult.newBuilder().setMessageId(id);
    }

    /** Exactly the status the unary call would have ended with, as an answer to one message. */
    private static Refused refused(Throwable failure) {
        Optional<Status> known = StatusMapping.statusOf(failure);
        if (known.isPresent()) {
            Refused refused = refused(known.get(), Optional.empty());
            if (failure instanceof Refusal r && r.mismatched().isPresent()) {
                return refused.toBuilder()
                        .setMismatchedDevices(r.mismatched().get())
                        .build();
            }
            return refused;
        }
        log.warn("SendStream: a send failed unexpectedly", failure);
        return refused(Status.INTERNAL.withDescription("the server failed to store this message"), Optional.empty());
    }

    private static Refused refused(Status status, Optional<Duration> retryDelay) {
        Refused.Builder refused = Refused.newBuilder()
                .setCode(status.getCode().value())
                .setDescription(Objects.requireNonNullElse(status.getDescription(), ""));
        retryDelay.ifPresent(d -> refused.setRetryDelay(com.google.protobuf.Duration.newBuilder()
                .setSeconds(d.getSeconds())
                .setNanos(d.getNano())));
        return refused.build();
    }

    /** Writes the answers that are ready, in order, while the transport takes them; asks for one request each. */
    private synchronized void drain() {
        try {
            while (!closed && !answers.isEmpty() && answers.peek().isDone() && out.isReady()) {
                out.onNext(answers.poll().join());
                out.request(1);
            }
            if (!closed && (halfClosed || ending != null) && answers.isEmpty()) {
                closed = true;
                open.remove(this);
                if (ending != null) {
                    out.onError(ending.asRuntimeException());
                } else {
                    out.onCompleted();
                }
            }
        } catch (IllegalStateException e) {
            // The call was closed under us (a malformed request ends it): nothing more can be written.
            closed = true;
            open.remove(this);
            answers.clear();
        }
    }

    private void closeWith(Status status) {
        closed = true;
        open.remove(this);
        answers.clear();
        try {
            out.onError(status.asRuntimeException());
        } catch (IllegalStateException e) {
            // already closed
        }
    }

    private synchronized void cancelled() {
        closed = true;
        open.remove(this);
        answers.clear();
    }
}
