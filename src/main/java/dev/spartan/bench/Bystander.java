package dev.spartan.bench;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.SendRequest;
import io.grpc.Channel;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A pair of users chatting at a steady, modest rate beside some other load, to show whether that load moves their
 * latency. Each message carries its send time ({@code System.nanoTime()}, one JVM) in the first 8 bytes of its body.
 */
final class Bystander implements AutoCloseable {
    private final Recorder latencyMicros = new Recorder(3);
    private final Thread pacer;
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean running = true;

    /** Logs in {@code from} and {@code to}, opens their chat, and starts sending {@code perSecond} messages. */
    Bystander(Channel channel, String from, String to, int perSecond) {
        RawUser sender = RawUser.login(channel, from);
        RawUser receiver = RawUser.login(channel, to);
        sender.openChatWith(receiver);
        receiver.receive(e -> {
            if (e.hasMessage()) {
                long sentAt = RawUser.body(e.getMessage().getSealed())
                        .asReadOnlyByteBuffer()
                        .getLong();
                latencyMicros.recordValue(Math.max(1, (System.nanoTime() - sentAt) / 1000));
            }
        });
        long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
        pacer = new Thread(
                () -> {
                    long next = System.nanoTime();
                    while (running) {
                        long now = System.nanoTime();
                        if (now < next) {
                            LockSupport.parkNanos(next - now); // pacing an open-loop sender, not synchronization
                            continue;
                        }
                        next += interval;
                        byte[] body = ByteBuffer.allocate(150)
                                .putLong(System.nanoTime())
                                .array();
                        try {
                            sender.calls()
                                    .sendMsg(SendRequest.newBuilder()
                                            .setMessageId(UUID.randomUUID().toString())
                                            .setTo(ChatIds.toUser(to))
                                            .setSealed(RawUser.opaqueTo(to, body))
                                            .build());
                        } catch (RuntimeException e) {
                            // Counted and reported, so a failing pair never looks like a fast one.
                            failures.incrementAndGet();
                        }
                    }
                },
                "bystander-" + from);
        pacer.setDaemon(true);
        pacer.start();
    }

    /** Sends the server refused or that failed, since the start. */
    long failures() {
        return failures.get();
    }

    /** Latency of the messages received since the previous call (or since the start), in microseconds. */
    Histogram sinceLastCall() {
        return latencyMicros.getIntervalHistogram();
    }

    @Override
    public void close() {
        running = false;
        pacer.interrupt();
    }
}
