package dev.spartan.delivery;

import dev.spartan.proto.Event;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * The server side of a ReceiveMsg stream as {@link StreamSession} sees it, with the transport's flow control in the
 * test's hands: it is ready for a given number of further events, and the test fires onReady and onCancel itself.
 * Like gRPC's own observer, it refuses writes after the call has ended.
 */
final class FakeStreamObserver extends ServerCallStreamObserver<Event> {
    private final List<Event> sent = new ArrayList<>();
    private int readyFor = Integer.MAX_VALUE;
    private Runnable onReady;
    private Runnable onCancel;
    private Status closedWith;
    private int errors;
    private boolean cancelled;

    /** The transport takes {@code events} more before it reports not ready; onReady is not fired by this. */
    void readyFor(int events) {
        readyFor = events;
    }

    /** The transport has room again: as gRPC does, fire onReady. */
    void becomeReady() {
        readyFor = Integer.MAX_VALUE;
        onReady.run();
    }

    /** The client went away: as gRPC does, fire onCancel. */
    void cancel() {
        cancelled = true;
        onCancel.run();
    }

    /** The events sent after the StreamStarted that opens every stream. */
    List<Event> sent() {
        return sent.isEmpty() || !sent.get(0).hasStarted()
                ? List.copyOf(sent)
                : List.copyOf(sent.subList(1, sent.size()));
    }

    /** Every event sent, StreamStarted included. */
    List<Event> all() {
        return List.copyOf(sent);
    }

    /** The sequence numbers sent after StreamStarted, with CaughtUp (which has none) written as 0. */
    List<Long> seqs() {
        return sent().stream().map(Event::getSeq).toList();
    }

    Status closedWith() {
        return closedWith;
    }

    int errors() {
        return errors;
    }

    @Override
    public boolean isReady() {
        return readyFor > 0 && !cancelled && closedWith == null;
    }

    @Override
    public void onNext(Event event) {
        if (cancelled || closedWith != null) {
            throw new IllegalStateException("call already closed");
        }
        if (readyFor <= 0) {
            // gRPC would buffer it; a session that writes past isReady() is the memory leak these tests guard against.
            throw new AssertionError("wrote while the transport was not ready: " + event);
        }
        readyFor--;
        sent.add(event);
    }

    @Override
    public void onError(Throwable t) {
        errors++;
        if (cancelled || closedWith != null) {
            throw new IllegalStateException("call already closed");
        }
        closedWith = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
        throw new AssertionError("a ReceiveMsg stream never completes normally");
    }

    @Override
    public void setOnReadyHandler(Runnable handler) {
        onReady = handler;
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
        onCancel = handler;
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void setCompression(String compression) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}
}
