package dev.spartan.ops;

import dev.spartan.proto.Event;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendResult;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Messages as the wire sees them: each SendMsg answer (and each ack on SendStream) says accepted, held or duplicate; each message event written
 * to a ReceiveMsg stream is one delivery, and its lag is the time since the server stamped the message on arrival
 * (just before it was stored) until that write.
 */
public final class MessageMetrics implements ServerInterceptor {
    private final Clock clock;
    private static final String SEND = SpartanGrpc.getSendMsgMethod().getFullMethodName();
    private static final String SEND_STREAM = SpartanGrpc.getSendStreamMethod().getFullMethodName();
    private static final String RECEIVE = SpartanGrpc.getReceiveMsgMethod().getFullMethodName();

    private final Counter accepted;
    private final Counter held;
    private final Counter duplicate;
    private final Counter delivered;
    private final Timer lag;

    public MessageMetrics(MeterRegistry registry, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        accepted = Counter.builder("spartan.messages.accepted")
                .description("Messages stored by SendMsg and SendStream (held ones included, resends not)")
                .register(registry);
        held = Counter.builder("spartan.messages.held")
                .description("Accepted messages held until the recipient accepts the chat")
                .register(registry);
        duplicate = Counter.builder("spartan.messages.duplicate")
                .description("Resends of a message id already stored: answered, not stored again")
                .register(registry);
        delivered = Counter.builder("spartan.messages.delivered")
                .description("Message events written to recipients' streams (a group message counts per recipient)")
                .register(registry);
        lag = Timer.builder("spartan.delivery.lag")
                .description("From a message's arrival at the server to its write on a recipient's stream")
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (!method.equals(SEND) && !method.equals(SEND_STREAM) && !method.equals(RECEIVE)) {
            return next.startCall(call, headers);
        }
        return next.startCall(
                new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendMessage(R message) {
                        count(message);
                        super.sendMessage(message);
                    }
                },
                headers);
    }

    private void count(Object message) {
        if (message instanceof SendResult result && result.hasAck()) {
            count(result.getAck());
        } else if (message instanceof SendAck ack) {
            if (ack.getDuplicate()) {
                duplicate.increment();
                return;
            }
            accepted.increment();
            if (ack.getHeld()) {
                held.increment();
            }
        } else if (message instanceof Event event && event.hasMessage()) {
            delivered.increment();
            long millis = clock.millis() - event.getMessage().getSentAtMillis();
            lag.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
        }
    }
}
