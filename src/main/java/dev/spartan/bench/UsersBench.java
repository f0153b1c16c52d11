package dev.spartan.bench;

import com.google.protobuf.ByteString;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.Event;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SendResult;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * A realistic load: N logged-in users, each on its own TCP connection, each sending R messages a second on its own
 * SendStream to one of its two chats (its neighbours in a ring) at random, while every user reads its push stream.
 * Prints delivered messages per second, latency from send to arrival, loss, the server's CPU per delivered message
 * and its heap. Bodies are opaque bytes of the shape the server checks (the server never reads them), so the clients'
 * encryption does not limit how many users one bench process can be.
 */
public final class UsersBench {
    /** The most unanswered messages a user keeps on its stream; at R a second it is never reached. */
    private static final int WINDOW = 256;

    private final PrintStream out;
    private final Path work;

    public UsersBench(PrintStream out) throws IOException {
        this.out = out;
        this.work = Files.createTempDirectory("spartan-usersbench");
    }

    /** One simulated user: its connection, its send stream and what is in flight on it. */
    private static final class User {
        final RawUser raw;
        final ManagedChannel channel;
        final String[] peers = new String[2];
        final AtomicInteger unanswered = new AtomicInteger();
        StreamObserver<SendRequest> sends;

        User(RawUser raw, ManagedChannel channel) {
            this.raw = raw;
            this.channel = channel;
        }
    }

    public void run(int users, double ratePerUser, int bodyBytes, Duration warmup, Duration duration) throws Exception {
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < users; i++) {
            names.append(i == 0 ? "" : ",").append("u").append(i);
        }
        Path config = BenchConfig.write(work.resolve("users.yaml"), names, "");
        try (Processes children = new Processes()) {
            int port = Processes.freePort();
            long pid = children.server(config, port, work.resolve("users-data")).pid();
            double heapBefore = ProcStats.liveHeapMb(pid);
            Recorder latency = new Recorder(3);
            AtomicLong received = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            AtomicLong failedStreams = new AtomicLong();
            long[] runStart = {Long.MAX_VALUE};
            User[] all = login(users, port, e -> {
                if (!e.hasMessage()) {
                    return;
                }
                String text = RawUser.body(e.getMessage().getSealed()).toString(StandardCharsets.UTF_8);
                int colon = text.indexOf(':');
                if (colon < 0) {
                    return;
                }
                long sentAt = Long.parseLong(text, 0, colon, 10);
                if (sentAt >= runStart[0] && text.charAt(colon + 1) == 'M') {
                    latency.recordValue(Math.max(1, (System.nanoTime() - sentAt) / 1000));
                    received.incrementAndGet();
                }
            });
            double heapWithUsers = ProcStats.liveHeapMb(pid);
            out.printf(
                    Locale.ROOT,
                    "users     %d logged in, each on its own connection with an open push stream: server live heap "
                            + "%.1f -> %.1f MiB (%.1f KiB per user)%n",
                    users,
                    heapBefore,
                    heapWithUsers,
                    (heapWithUsers - heapBefore) * 1024 / users);
            for (User u : all) {
                u.sends = u.raw.streams().sendStream(new StreamObserver<SendResult>() {
                    @Override
                    public void onNext(SendResult r) {
                        u.unanswered.decrementAndGet();
                        if (r.hasRefused()) {
                            refused.incrementAndGet();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        failedStreams.incrementAndGet();
                    }

                    @Override
                    public void onCompleted() {}
                });
            }
            runStart[0] = System.nanoTime();
            long start = runStart[0];
            long measureStart = start + warmup.toNanos();
            long end = measureStart + duration.toNanos();
            long interval = Math.max(1, (long) (1e9 / (users * ratePerUser)));
            byte[] padding = new byte[Math.max(0, bodyBytes - 32)];
            java.util.Arrays.fill(padding, (byte) 'x');
            long sent = 0;
            long skipped = 0;
            double cpuBefore = Double.NaN;
            long next = start;
            for (long i = 0; ; i++) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                if (now < next) {
                    LockSupport.parkNanos(next - now); // pacing the open-loop senders, not synchronization
                    continue;
                }
                next += interval;
                boolean measured = now >= measureStart;
                if (measured && Double.isNaN(cpuBefore)) {
                    cpuBefore = ProcStats.cpuSeconds(pid);
                }
                User u = all[(int) (i % users)];
                if (u.unanswered.get() >= WINDOW) {
                    skipped++;
                    continue;
                }
                String to = u.peers[ThreadLocalRandom.current().nextInt(2)];
                ByteString body = ByteString.copyFromUtf8(System.nanoTime() + ":" + (measured ? 'M' : 'W') + ":")
                        .concat(ByteString.copyFrom(padding));
                Sealed sealed = RawUser.opaqueTo(to, body.toByteArray());
                u.unanswered.incrementAndGet();
                u.sends.onNext(SendRequest.newBuilder()
                        .setMessageId(UUID.randomUUID().toString())
                        .setTo(ChatIds.toUser(to))
                        .setSealed(sealed)
                        .build());
                if (measured) {
                    sent++;
                }
            }
            double cpu = ProcStats.cpuSeconds(pid) - cpuBefore;
            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.get() < sent && System.nanoTime() < drainDeadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // waiting for stragglers, bounded
            }
            var h = latency.getIntervalHistogram();
            double seconds = duration.toNanos() / 1e9;
            double delivered = received.get() / seconds;
            out.printf(
                    Locale.ROOT,
                    "users     %d x %.2f msg/s (%.0f msg/s offered): delivered %.0f msg/s  p50 %.2f ms  p99 %.2f ms  "
                            + "p99.9 %.2f ms  lost %d of %d  server CPU %.2f cores, %.1f us per delivered message%n",
                    users,
                    ratePerUser,
                    users * ratePerUser,
                    delivered,
                    h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0,
                    sent - received.get(),
                    sent,
                    cpu / seconds,
                    cpu / Math.max(1, received.get()) * 1e6);
            out.printf(
                    Locale.ROOT,
                    "  server live heap after the run: %.1f MiB; refused %d, broken send streams %d, not sent for a "
                            + "full window %d%n",
                    ProcStats.liveHeapMb(pid),
                    refused.get(),
                    failedStreams.get(),
                    skipped);
            for (User u : all) {
                u.sends.onCompleted();
                u.channel.shutdownNow();
            }
        }
    }

    /** Logs the users in, each on a channel of its own, opens each one's chats with its ring neighbours and stream. */
    private User[] login(int users, int port, java.util.function.Consumer<Event> onEvent) throws Exception {
        User[] all = new User[users];
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            int index = i;
            done.add(pool.submit(() -> {
                ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port)
                        .usePlaintext()
                        .build();
                all[index] = new User(RawUser.login(channel, "u" + index), channel);
            }));
        }
        for (var f : done) {
            f.get();
        }
        done.clear();
        for (int i = 0; i < users; i++) {
            User me = all[i];
            User next = all[(i + 1) % users];
            me.peers[0] = next.raw.name();
            next.peers[1] = me.raw.name();
            done.add(pool.submit(() -> me.raw.openChatWith(next.raw)));
        }
        for (var f : done) {
            f.get();
        }
        for (User u : all) {
            u.raw.receiveAcking(onEvent);
        }
        pool.shutdown();
        return all;
    }
}
