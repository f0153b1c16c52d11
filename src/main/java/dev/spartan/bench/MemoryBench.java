package dev.spartan.bench;

import com.google.protobuf.ByteString;
import dev.spartan.chat.ChatKeys;
import dev.spartan.client.Login;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
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

/** Server heap per idle connected client, and under a reader that stops reading. */
public final class MemoryBench {
    private final PrintStream out;
    private final Path work;

    public MemoryBench(PrintStream out) throws IOException {
        this.out = out;
        this.work = Files.createTempDirectory("spartan-membench");
    }

    /** Opens {@code clients} ReceiveMsg streams (one logged-in user each) over {@code channels} connections. */
    public void idle(int clients, int channels) throws Exception {
        StringBuilder users = new StringBuilder();
        for (int i = 0; i < clients; i++) {
            users.append(i == 0 ? "" : ",").append("i").append(i);
        }
        Path config = work.resolve("idle.yaml");
        Files.writeString(config, "port: 3000\nmax_num_messages_per_user: 5\nmax_call_per_30_seconds_per_user: 3\n"
                + "users: [" + users + "]\n");
        try (Processes children = new Processes()) {
            int port = Processes.freePort();
            long pid = children.spartan("Spartan server started", "server", "--config", config.toString(),
                    "--port", String.valueOf(port), "--data", work.resolve("idle-data").toString()).pid();
            double before = ProcStats.liveHeapMb(pid);
            List<ManagedChannel> pool = new ArrayList<>();
            for (int c = 0; c < channels; c++) {
                pool.add(ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build());
            }
            CountDownLatch open = new CountDownLatch(clients);
            ExecutorService logins = Executors.newFixedThreadPool(8);
            for (int i = 0; i < clients; i++) {
                String user = "i" + i;
                ManagedChannel ch = pool.get(i % channels);
                logins.execute(() -> RawUser.login(ch, user, SpartanGrpc.newStub(ch))
                        .receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<>() {
                            @Override
                            public void onNext(Event e) {
                                if (e.hasCaughtUp()) {
                                    open.countDown();
                                }
                            }

                            @Override
                            public void onError(Throwable t) { }

                            @Override
                            public void onCompleted() { }
                        }));
            }
            if (!open.await(10, TimeUnit.MINUTES)) {
                out.println("idle: only " + (clients - open.getCount()) + " streams opened in time");
            }
            logins.shutdown();
            double after = ProcStats.liveHeapMb(pid);
            out.printf(Locale.ROOT, "idle      %d streams over %d connections: server live heap %.1f -> %.1f MiB, "
                            + "%.1f KiB per client%n", clients, channels, before, after,
                    (after - before) * 1024 / clients);
            pool.forEach(ManagedChannel::shutdownNow);
        }
    }

    /** A reader that never reads while {@code messages} are sent to it: heap growth on the server. */
    public void slowReader(int messages) throws Exception {
        Path config = work.resolve("slow.yaml");
        Files.writeString(config, "port: 3000\nmax_num_messages_per_user: 5\nmax_call_per_30_seconds_per_user: 3\n"
                + "rate_limit:\n  max_calls: 100000000\n  window_seconds: 1\nusers: [sender,slow]\n");
        try (Processes children = new Processes()) {
            int port = Processes.freePort();
            long pid = children.spartan("Spartan server started", "server", "--config", config.toString(),
                    "--port", String.valueOf(port), "--data", work.resolve("slow-data").toString()).pid();
            ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
            SpartanGrpc.SpartanBlockingStub sender = RawUser.login(ch, "sender", SpartanGrpc.newBlockingStub(ch));
            String slowToken = Login.perform(ch, "slow", Identity.generate()).getSessionToken();
            sender.requestChat(ChatRequest.newBuilder().setPeer("slow").build());
            SpartanGrpc.newBlockingStub(ch).withInterceptors(Login.bearer(slowToken))
                    .answerChat(ChatAnswer.newBuilder().setPeer("sender").setAccept(true).build());
            SpartanGrpc.SpartanStub slow = SpartanGrpc.newStub(ch).withInterceptors(Login.bearer(slowToken));
            AtomicLong got = new AtomicLong();
            slow.receiveMsg(ReceiveRequest.getDefaultInstance(), new ClientResponseObserver<ReceiveRequest, Event>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<ReceiveRequest> stream) {
                    stream.disableAutoRequestWithInitial(1); // reads the first event, then never again
                }

                @Override
                public void onNext(Event e) {
                    got.incrementAndGet();
                }

                @Override
                public void onError(Throwable t) { }

                @Override
                public void onCompleted() { }
            });
            double before = ProcStats.liveHeapMb(pid);
            Sealed sealed = Sealed.newBuilder().setSalt(ByteString.copyFrom(new byte[32]))
                    .setBody(ByteString.copyFrom(new byte[150]))
                    .putWrappedKeys("sender", ByteString.copyFrom(new byte[48]))
                    .putWrappedKeys("slow", ByteString.copyFrom(new byte[48])).build();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            long start = System.nanoTime();
            for (int t = 0; t < 8; t++) {
                int share = messages / 8;
                pool.execute(() -> {
                    for (int i = 0; i < share; i++) {
                        sender.sendMsg(SendRequest.newBuilder().setMessageId(UUID.randomUUID().toString())
                                .setTo(ChatKeys.toUser("slow")).setSealed(sealed).build());
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - start) / 1e9;
            double after = ProcStats.liveHeapMb(pid);
            out.printf(Locale.ROOT, "slow reader: %d messages sent in %.1f s (%.0f msg/s) to a reader that took %d; "
                    + "server live heap %.1f -> %.1f MiB (+%.1f MiB); the rest wait in the store%n",
                    messages, seconds, messages / seconds, got.get(), before, after, after - before);
            ch.shutdownNow();
        }
    }
}
