package dev.spartan.client;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.spartan.proto.Refused;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SendResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends the outbox's rounds on SendStream: one stream per round of up to the server's send window, every message
 * written at once, the answers read in order. A server without SendStream (UNIMPLEMENTED) is sent to one message
 * at a time with SendMsg from then on.
 */
final class StreamTransport implements Outbox.Transport {
    private static final long ROUND_SECONDS = 60;

    /** Encrypts a message for its chat as it is now. */
    interface Sealer {
        SendRequest seal(Outbox.Pending message) throws Outbox.NotReady;
    }

    private final Connection connection;
    private final Sealer sealer;
    private final Outbox.Transport unary;
    private final Runnable groupsChanged;
    /** Group messages already sealed again once after the server said the members changed. */
    private final Set<String> resealed = ConcurrentHashMap.newKeySet();

    private volatile boolean unaryOnly;

    /**
     * @param unary         sends one message with SendMsg (the fallback)
     * @param groupsChanged reads the groups again, after the server refused a group message for its members
     */
    StreamTransport(Connection connection, Sealer sealer, Outbox.Transport unary, Runnable groupsChanged) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.unary = Objects.requireNonNull(unary, "unary");
        this.groupsChanged = Objects.requireNonNull(groupsChanged, "groupsChanged");
    }

    @Override
    public SendAck send(Outbox.Pending message) throws Outbox.NotReady {
        return unary.send(message);
    }

    @Override
    public int window() {
        return unaryOnly ? 1 : connection.sendWindow();
    }

    @Override
    public List<Outbox.Answer> sendAll(List<Outbox.Pending> messages) {
        if (unaryOnly) {
            return Outbox.Transport.super.sendAll(messages);
        }
        List<SendRequest> requests = new ArrayList<>();
        Outbox.Answer unsealed = null;
        for (Outbox.Pending p : messages) {
            try {
                requests.add(sealer.seal(p));
            } catch (Outbox.NotReady | RuntimeException e) {
                unsealed = Outbox.Answer.failed(e); // the round ends before it; the outbox parks or reports it
                break;
            }
        }
        List<Outbox.Answer> answers = requests.isEmpty() ? new ArrayList<>() : stream(requests);
        if (answers == null) {
            unaryOnly = true;
            return Outbox.Transport.super.sendAll(messages);
        }
        for (int i = 0; i < answers.size(); i++) {
            Outbox.Pending p = messages.get(i);
            Outbox.Answer a = answers.get(i);
            if (a.ack() != null) {
                resealed.remove(p.messageId());
            } else if (p.to().hasGroup()
                    && a.failure() instanceof StatusRuntimeException e
                    && e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
                    && resealed.add(p.messageId())) {
                // The members changed under us: this message and the rest go again, encrypted for the members now.
                List<Outbox.Answer> before = new ArrayList<>(answers.subList(0, i));
                try {
                    groupsChanged.run();
                } catch (RuntimeException failure) {
                    before.add(Outbox.Answer.failed(failure));
                }
                return before;
            }
        }
        if (unsealed != null && answers.size() == requests.size()) {
            answers.add(unsealed);
        }
        return answers;
    }

    /** The answers, in order, for a prefix of {@code requests}; null if the server has no SendStream. */
    private List<Outbox.Answer> stream(List<SendRequest> requests) {
        List<SendResult> results = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Status> end = new CompletableFuture<>();
        StreamObserver<SendRequest> out;
        try {
            out = connection
                    .asyncStub()
                    .withDeadlineAfter(ROUND_SECONDS, TimeUnit.SECONDS)
                    .sendStream(new StreamObserver<>() {
                        @Override
                        public void onNext(SendResult value) {
                            results.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            end.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            end.complete(Status.OK);
                        }
                    });
            requests.forEach(out::onNext);
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            return new ArrayList<>(List.of(Outbox.Answer.failed(e)));
        }
        Status status;
        try {
            status = end.get(ROUND_SECONDS + 5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            status = Status.DEADLINE_EXCEEDED.withDescription("no answer on the send stream");
        } catch (ExecutionException e) {
            status = Status.fromThrowable(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = Status.CANCELLED.withDescription("interrupted");
        }
        if (status.getCode() == Status.Code.UNIMPLEMENTED && results.isEmpty()) {
            return null;
        }
        List<Outbox.Answer> answers = new ArrayList<>();
        synchronized (results) {
            for (int i = 0; i < results.size() && i < requests.size(); i++) {
                SendResult r = results.get(i);
                if (!r.getMessageId().equals(requests.get(i).getMessageId())) {
                    status = Status.UNAVAILABLE.withDescription("the send stream answered out of order");
                    break;
                }
                answers.add(
                        r.hasAck() ? Outbox.Answer.stored(r.getAck()) : Outbox.Answer.failed(refusal(r.getRefused())));
            }
        }
        if (answers.size() < requests.size()) {
            answers.add(Outbox.Answer.failed(broken(status)));
        }
        return answers;
    }

    /** A refusal of one message as the status SendMsg would have thrown, its retry delay as RetryInfo. */
    static StatusRuntimeException refusal(Refused refused) {
        com.google.rpc.Status.Builder status =
                com.google.rpc.Status.newBuilder().setCode(refused.getCode()).setMessage(refused.getDescription());
        if (refused.hasRetryDelay()) {
            status.addDetails(Any.pack(RetryInfo.newBuilder()
                    .setRetryDelay(refused.getRetryDelay())
                    .build()));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    /**
     * Why the messages after the last answer were not answered. The stream, not any one message, failed, so they are
     * all sent again once the connection is back (with their ids: the server stores each once).
     */
    private static StatusRuntimeException broken(Status status) {
        return switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNAUTHENTICATED -> status.asRuntimeException();
            default ->
                Status.UNAVAILABLE
                        .withDescription("the send stream ended (" + status.getCode()
                                + (status.getDescription() == null ? "" : ": " + status.getDescription()) + ")")
                        .asRuntimeException();
        };
    }
}
