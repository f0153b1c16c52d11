package dev.spartan.bench;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/** Server heap per idle connected client, and under a reader that stops reading. */
public final class MemoryBench {
    private final PrintStream out;
    private final Path work;

    public MemoryBench(PrintStream out) throws IOException {
        this.out = out;
        this.work = Files.createTempDirectory("spartan-membench");
    }

    /**
     * Opens ReceiveMsg streams (one logged-in user each) up to each of {@code steps} in turn, and prints the server's
     * live heap per client at each step, so that the slope shows. Each client has a TCP connection of its own, or,
     * with {@code channels} above 0, the clients share that many.
     */
    public void idle(List<Integer> steps, int channels) throws Exception {
        int clients = steps.stream().mapToInt(Integer::intValue).max().orElse(0);
        StringBuilder users = new StringBuilder();
        for (int i = 0; i < clients; i++) {
            users.append(i == 0 ? "" : ",").append("i").append(i);
        }
        Path config = BenchConfig.write(work.resolve("idle.yaml"), users, "");
        try (Processes children = new Processes()) {
            int port = Processes.freePort();
            long pid = children.server(config, port, work.resolve("idle-data")).pid();
            double before = ProcStats.liveHeapMb(pid);
            List<ManagedChannel> pool = new ArrayList<>();
            ExecutorService logins = Executors.newFixedThreadPool(8);
            int opened = 0;
            for (int step : steps.stream().sorted().toList()) {
                CountDownLatch open = new CountDownLatch(step - opened);
                for (int i = opened; i < step; i++) {
                    String user = "i" + i;
                    ManagedChannel ch;
                    if (channels > 0 && pool.size() >= channels) {
                        ch = pool.get(i % channels);
                    } else {
                        ch = ManagedChannelBuilder.forAddress("localhost", port)
                                .usePlaintext()
                                .build();
                        pool.add(ch);
                    }
                    logins.execute(() -> RawUser.login(ch, user).receive(e -> {
                        if (e.hasCaughtUp()) {
                            open.countDown();
                        }
                    }));
                }
                if (!open.await(10, TimeUnit.MINUTES)) {
                    out.println("idle: only " + (step - open.getCount()) + " streams opened in time");
                }
                opened = step;
                double after = ProcStats.liveHeapMb(pid);
                out.printf(
                        Locale.ROOT,
                        "idle      %d streams over %d connections: server live heap %.1f -> %.1f MiB, "
                                + "%.1f KiB per client%n",
                        step,
                        pool.size(),
                        before,
                        after,
                        (after - before) * 1024 / step);
            }
            logins.shutdown();
            pool.forEach(ManagedChannel::shutdownNow);
        }
    }

    /**
     * Sends {@code messages} to a reader that reads one event and then stops, while a bystander pair chats at
     * 100 msg/s. Prints the server's heap growth, the bystanders' latency before and during the flood (and during the
     * same flood to a reader that reads, for comparison), and then lets
     * the reader read on and counts what it gets: every message must still be there. The bystanders first chat
     * {@code warmupSeconds} uncounted (the JIT), then {@code quietSeconds} for the figures before the flood.
     */
    public void slowReader(int messages, int warmupSeconds, int quietSeconds) throws Exception {
        Path config = BenchConfig.write(work.resolve("slow.yaml"), "sender,slow,reader,calm,watcher", "");
        try (Processes children = new Processes()) {
            int port = Processes.freePort();
            long pid = children.server(config, port, work.resolve("slow-data")).pid();
            ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", port)
                    .usePlaintext()
                    .build();
            RawUser sender = RawUser.login(ch, "sender");
            RawUser slow = RawUser.login(ch, "slow");
            sender.openChatWith(slow);
            AtomicLong got = new AtomicLong();
            AtomicReference<ClientCallStreamObserver<ReceiveRequest>> slowStream = new AtomicReference<>();
            slow.streams()
                    .receiveMsg(
                            ReceiveRequest.getDefaultInstance(), new ClientResponseObserver<ReceiveRequest, Event>() {
                                @Override
                                public void beforeStart(ClientCallStreamObserver<ReceiveRequest> stream) {
                                    slowStream.set(stream);
                                    stream.disableAutoRequestWithInitial(
                                            1); // reads the first event, then nothing until told
                                }

                                @Override
                                public void onNext(Event e) {
                                    if (e.hasMessage()) {
                                        got.incrementAndGet();
                                    }
                                }

                                @Override
                                public void onError(Throwable t) {}

                                @Override
                                public void onCompleted() {}
                            });
            try (Bystander bystander = new Bystander(ch, "calm", "watcher", 100)) {
                measuringWindow(warmupSeconds); // warm-up (JIT), not counted
                bystander.sinceLastCall();
                measuringWindow(quietSeconds);
                Histogram quiet = bystander.sinceLastCall();
                double before = ProcStats.liveHeapMb(pid);
                long start = System.nanoTime();
                long accepted = flood(sender, "slow", messages);
                if (accepted != messages) {
                    out.printf(
                            Locale.ROOT,
                            "slow reader: only %d of %d sends were accepted (see the server log)%n",
                            accepted,
                            messages);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                Histogram during = bystander.sinceLastCall();
                double after = ProcStats.liveHeapMb(pid);
                out.printf(
                        Locale.ROOT,
                        "slow reader: %d messages sent in %.1f s (%.0f msg/s) to a reader that stopped after %d of them; "
                                + "server live heap %.1f -> %.1f MiB (+%.1f MiB); the rest wait in the store%n",
                        messages,
                        seconds,
                        messages / seconds,
                        got.get(),
                        before,
                        after,
                        after - before);
                out.printf(
                        Locale.ROOT,
                        "bystanders (another pair, 100 msg/s): p50 %.2f ms, p99 %.2f ms before the "
                                + "flood; p50 %.2f ms, p99 %.2f ms during it%n",
                        quiet.getValueAtPercentile(50) / 1000.0,
                        quiet.getValueAtPercentile(99) / 1000.0,
                        during.getValueAtPercentile(50) / 1000.0,
                        during.getValueAtPercentile(99) / 1000.0);
                // The control: the same flood to a reader that keeps reading. What moves the bystanders here is the
                // load itself; what moved them only above would be the stopped reader's doing.
                RawUser reader = RawUser.login(ch, "reader");
                sender.openChatWith(reader);
                AtomicLong read = new AtomicLong();
                reader.receive(e -> {
                    if (e.hasMessage()) {
                        read.incrementAndGet();
                    }
                });
                bystander.sinceLastCall();
                flood(sender, "reader", messages);
                Histogram control = bystander.sinceLastCall();
                out.printf(
                        Locale.ROOT,
                        "bystanders during the same flood to a reader that reads: p50 %.2f ms, "
                                + "p99 %.2f ms (that reader got %d so far)%n",
                        control.getValueAtPercentile(50) / 1000.0,
                        control.getValueAtPercentile(99) / 1000.0,
                        read.get());
                if (bystander.failures() > 0) {
                    out.printf(
                            Locale.ROOT,
                            "bystanders: %d sends FAILED; their figures above are incomplete%n",
                            bystander.failures());
                }
            }
            slowStream.get().request(Integer.MAX_VALUE);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (got.get() < messages && System.nanoTime() < deadline) {
                measuringWindow(0.05); // bounded wait for the reader to catch up
            }
            out.printf(
                    Locale.ROOT,
                    "slow reader then read on: %d of %d messages arrived%s%n",
                    got.get(),
                    messages,
                    got.get() == messages ? ", none lost" : ", " + (messages - got.get()) + " MISSING");
            ch.shutdownNow();
        }
    }

    /**
     * Sends {@code messages} opaque messages from {@code sender} to {@code to} on 8 threads, as fast as they go, and
     * returns how many the server accepted.
     */
    private static long flood(RawUser sender, String to, int messages) throws InterruptedException {
        Sealed sealed = RawUser.opaqueTo(to, new byte[150]);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong accepted = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            int share = messages / threads + (t < messages % threads ? 1 : 0);
            pool.execute(() -> {
                for (int i = 0; i < share; i++) {
                    sender.calls()
                            .sendMsg(SendRequest.newBuilder()
                                    .setMessageId(UUID.randomUUID().toString())
                                    .setTo(ChatIds.toUser(to))
                                    .setSealed(sealed)
                                    .build());
                    accepted.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(30, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the flood did not finish in 30 minutes");
        }
        return accepted.get();
    }

    /** Lets a measurement window pass: pacing the bench, not synchronizing with anything. */
    private static void measuringWindow(double seconds) throws InterruptedException {
        Thread.sleep((long) (seconds * 1000));
    }
}
