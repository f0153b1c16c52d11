package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.SendAck;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutboxTest {
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    /** A refusal whose retry delay is not a whole number of milliseconds, as real ones are. */
    private static StatusRuntimeException rateLimited(int nanos) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                .setMessage("Rate limit reached (3 per 3s)")
                .addDetails(Any.pack(RetryInfo.newBuilder()
                        .setRetryDelay(com.google.protobuf.Duration.newBuilder().setNanos(nanos))
                        .build()))
                .build());
    }

    private static Outbox.Listener listener(List<String> notices) {
        return new Outbox.Listener() {
            @Override
            public void state(Outbox.Pending message, SendState state) {}

            @Override
            public void notice(String text) {
                notices.add(text);
            }
        };
    }

    @Test
    void everyMessageLeavesInOrderAfterRepeatedRateLimitPauses() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch allSent = new CountDownLatch(6);
        Outbox outbox = new Outbox(
                message -> {
                    // Every other call is refused with a delay of 7.5 ms.
                    if (calls.incrementAndGet() % 2 == 1) {
                        throw rateLimited(7_500_000);
                    }
                    sent.add(message.text());
                    allSent.countDown();
                    return SendAck.getDefaultInstance();
                },
                thread,
                Spool.none(),
                listener(notices),
                () -> {});
        for (int i = 1; i <= 6; i++) {
            outbox.submit(new Outbox.Pending("id" + i, ChatIds.toUser("bob"), "m" + i));
        }
        assertThat(allSent.await(10, TimeUnit.SECONDS))
                .as("sent so far: " + sent)
                .isTrue();
        assertThat(sent).containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
        assertThat(notices).allMatch(n -> n.startsWith("Rate limit reached (3 per 3s): message queued, sending in "));
        CountDownLatch drained = new CountDownLatch(1);
        outbox.whenDrained(drained::countDown); // the last send is counted before it leaves the queue
        assertThat(drained.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outbox.size()).isZero();
    }

    @Test
    void aRefusalWithoutRetryInfoIsReportedAndTheQueueGoesOn() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        CountDownLatch secondSent = new CountDownLatch(1);
        Outbox outbox = new Outbox(
                message -> {
                    if (message.text().equals("huge")) {
                        throw io.grpc.Status.RESOURCE_EXHAUSTED
                                .withDescription("gRPC message exceeds maximum size")
                                .asRuntimeException();
                    }
                    sent.add(message.text());
                    secondSent.countDown();
                    return SendAck.getDefaultInstance();
                },
                thread,
                Spool.none(),
                listener(notices),
                () -> {});
        outbox.submit(new Outbox.Pending("id1", ChatIds.toUser("bob"), "huge"));
        outbox.submit(new Outbox.Pending("id2", ChatIds.toUser("bob"), "small"));
        assertThat(secondSent.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sent).containsExactly("small");
        assertThat(notices).containsExactly("Message not sent: gRPC message exceeds maximum size");
    }
}
