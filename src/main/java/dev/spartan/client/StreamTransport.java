package dev.spartan.client;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.spartan.proto.MismatchedDevices;
import dev.spartan.proto.Refused;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SendResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Sends the outbox's messages on one long-lived SendStream with a sliding window: up to the server's send window
 * unanswered, the next one written as soon as an answer frees a place, the answers read in order. The stream is
 * opened with the first message and kept; when it breaks, the next message opens a new one (the outbox sends the
 * unanswered again, with their ids). A server without SendStream (UNIMPLEMENTED) is sent to one message at a time
 * with SendMsg from then on.
 */
final class StreamTransport implements Outbox.Transport, Outbox.Pipeline {
    /** Encrypts messages for their chat as it is now, writing the state that takes to disk only when asked. */
    interface Sealer {
        /** Seals one message; what it changed in the key directory may wait for {@link #sync}. */
        SendRequest seal(Outbox.Pending message) throws Outbox.NotReady;

        /** Writes what the seals since the last call changed; before this returns, none of them may be sent. */
        void sync();
    }

    /** A request written on the stream; {@code answer} is null once the outbox no longer wants its answer. */
    private static final class Sent {
        final Outbox.Pending message;
        final SendRequest request;
        Consumer<Outbox.Answer> answer;

        Sent(Outbox.Pending message, SendRequest request, Consumer<Outbox.Answer> answer) {
            this.message = message;
            this.request = request;
            this.answer = answer;
        }
    }

    private final Connection connection;
    private final Sealer sealer;
    private final Outbox.Transport unary;
    private final Runnable groupsChanged;
    /** Group messages already sealed again once after the server said the members changed. */
    private final Set<String> resealed = ConcurrentHashMap.newKeySet();

    private volatile boolean unaryOnly;
    /** Sends resealed for a stale device set, by message id, and how often. */
    private final java.util.Map<String, Integer> devicesResealed = new java.util.concurrent.ConcurrentHashMap<>();

    private volatile java.util.function.Consumer<MismatchedDevices> mismatched = m -> {};

    /** Where a refusal for a stale device set is told, before the message is sealed again. */
    void onMismatchedDevices(java.util.function.Consumer<MismatchedDevices> learn) {
        this.mismatched = Objects.requireNonNull(learn, "learn");
    }

    /** The open stream, or null; guarded by this. */
    private Stream stream;
    /** Sealed, waiting for {@link #flush} to sync their state and write them; guarded by this. */
    private final List<Sent> unwritten = new ArrayList<>();

    /**
     * @param unary         sends one message with SendMsg (the fallback)
     * @param groupsChanged reads the groups again, after the server refused a group message for its members
     * @param useSendStream false: SendMsg, one message at a time, from the start
     */
    StreamTransport(
            Connection connection,
            Sealer sealer,
            Outbox.Transport unary,
            Runnable groupsChanged,
            boolean useSendStream) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.unary = Objects.requireNonNull(unary, "unary");
        this.groupsChanged = Objects.requireNonNull(groupsChanged, "groupsChanged");
        this.unaryOnly = !useSendStream;
    }

    @Override
    public SendAck send(Outbox.Pending message) throws Outbox.NotReady {
        return unary.send(message);
    }

    @Override
    public Outbox.Pipeline pipeline() {
        return unaryOnly ? null : this;
    }

    @Override
    public synchronized boolean hasRoom() {
        int open = stream == null || stream.ended ? 0 : stream.unanswered.size();
        return open + unwritten.size() < connection.sendWindow();
    }

    /** Seals the message now; it is written on the stream by the next {@link #flush}, after its state is synced. */
    @Override
    public boolean send(Outbox.Pending message, Consumer<Outbox.Answer> answer) {
        SendRequest request;
        try {
            request = sealer.seal(message);
        } catch (Outbox.NotReady | RuntimeException e) {
            answer.accept(Outbox.Answer.failed(e));
            return false;
        }
        synchronized (this) {
            unwritten.add(new Sent(message, request, answer));
        }
        return true;
    }

    /**
     * Syncs what the seals since the last flush changed (one write per session touched, however many messages),
     * then writes their requests on the stream, opening one if none is open. A failure of either is every such
     * message's answer.
     */
    @Override
    public void flush() {
        List<Sent> batch;
        synchronized (this) {
            if (unwritten.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(unwritten);
            unwritten.clear();
        }
        RuntimeException failure = null;
        try {
            sealer.sync();
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure == null) {
            synchronized (this) {
                try {
                    if (stream == null || stream.ended) {
                        stream = new Stream();
                    }
                    for (Sent sent : batch) {
                        stream.write(sent);
                    }
                    return;
                } catch (StatusRuntimeException e) {
                    stream = null;
                    failure = e;
                }
            }
        }
        for (Sent sent : batch) {
            if (sent.answer != null) {
                sent.answer.accept(Outbox.Answer.failed(failure));
            }
        }
    }

    @Override
    public synchronized void abandon() {
        if (stream != null) {
            stream.unanswered.forEach(s -> s.answer = null);
        }
        unwritten.clear(); // sealed, never sent: the outbox seals them again
    }

    /** One SendStream call: the requests written and not answered yet, in order. */
    private final class Stream implements StreamObserver<SendResult> {
        final Deque<Sent> unanswered = new ArrayDeque<>();
        final StreamObserver<SendRequest> out;
        boolean ended;
        boolean answeredAny;

        Stream() {
            this.out = connection.asyncStub().sendStream(this);
        }

        /** Called holding the transport's lock. */
        void write(Sent sent) {
            unanswered.add(sent);
            out.onNext(sent.request);
        }

        @Override
        public void onNext(SendResult result) {
            Sent sent;
            synchronized (StreamTransport.this) {
                sent = unanswered.peek();
                if (sent == null || !sent.message.messageId().equals(result.getMessageId())) {
                    end(Status.UNAVAILABLE.withDescription("the send stream answered out of order"));
                    out.onError(Status.CANCELLED
                            .withDescription("answered out of order")
                            .asRuntimeException());
                    return;
                }
                unanswered.poll();
                answeredAny = true;
            }
            if (sent.answer != null) {
                sent.answer.accept(answer(sent.message, result));
            }
        }

        @Override
        public void onError(Throwable t) {
            end(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end(Status.UNAVAILABLE.withDescription("the server ended the send stream"));
        }

        /** Every unanswered request gets the stream's failure, in order: the outbox sends them again. */
        private void end(Status status) {
            List<Sent> left;
            boolean unimplemented;
            synchronized (StreamTransport.this) {
                if (ended) {
                    return;
                }
                ended = true;
                left = new ArrayList<>(unanswered);
                unanswered.clear();
                unimplemented = status.getCode() == Status.Code.UNIMPLEMENTED && !answeredAny;
                if (unimplemented) {
                    unaryOnly = true;
                }
            }
            Exception failure = unimplemented
                    ? new Outbox.SendAgain("the server has no SendStream: SendMsg from now on", () -> {})
                    : broken(status);
            for (Sent s : left) {
                if (s.answer != null) {
                    s.answer.accept(Outbox.Answer.failed(failure));
                }
            }
        }
    }

    /**
     * The answer as SendMsg would have given it. A group message refused because the members changed goes again,
     * once, sealed for the members now (after the groups are read again), with everything sent after it.
     */
    private Outbox.Answer answer(Outbox.Pending message, SendResult result) {
        if (result.hasAck()) {
            resealed.remove(message.messageId());
            devicesResealed.remove(message.messageId());
            return Outbox.Answer.stored(result.getAck());
        }
        StatusRuntimeException refusal = refusal(result.getRefused());
        if (result.getRefused().hasMismatchedDevices()
                && devicesResealed.merge(message.messageId(), 1, Integer::sum) <= MismatchedDevicesRetry.ROUNDS) {
            // a stale device set: encrypt for the devices as they are now, same message id (PROTOCOL.md, Devices)
            MismatchedDevices current = result.getRefused().getMismatchedDevices();
            return Outbox.Answer.failed(
                    new Outbox.SendAgain(Outbox.describe(refusal), () -> mismatched.accept(current)));
        }
        if (message.to().hasGroup()
                && refusal.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
                && resealed.add(message.messageId())) {
            return Outbox.Answer.failed(new Outbox.SendAgain(Outbox.describe(refusal), groupsChanged));
        }
        return Outbox.Answer.failed(refusal);
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
