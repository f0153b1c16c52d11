package dev.spartan.bench;

import com.google.protobuf.ByteString;
import dev.spartan.client.BlobTransfer;
import dev.spartan.client.Login;
import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.AttachmentOffsetRequest;
import dev.spartan.proto.AttachmentOffsetResponse;
import dev.spartan.proto.AttachmentsGrpc;
import dev.spartan.proto.DownloadChunk;
import dev.spartan.proto.DownloadRequest;
import dev.spartan.proto.UploadRequest;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code spartan bench --files}: one file's bytes uploaded to and downloaded from a Spartan server process (embedded
 * store, its blob synced before the answer), and the same bytes over a bare gRPC stream of the same service shape to
 * a server in this JVM that keeps nothing: what the store and the checks cost over the transport. With a cut
 * ({@code --cut-at 0.4}) the upload's connection is dropped at that share of the file, as a killed client's is, and
 * the upload resumes on a new one: it prints what was sent again and the server's heap during it, under a fixed bound.
 */
public final class FilesBench {
    /** The server's heap bound: a quarter of a GiB, so that a node that held a large file in memory could not. */
    static final String SERVER_HEAP = "-Xmx256m";

    private static final long HEAP_SAMPLE_MILLIS = 250;
    private final PrintStream out;
    private final Path work;

    public FilesBench(PrintStream out) throws java.io.IOException {
        this.out = out;
        this.work = Files.createTempDirectory("spartan-bench-files");
    }

    /**
     * Runs the bench on a file of {@code bytes} random bytes.
     *
     * @param cutAt the share of the upload (above 0, below 1) at which its connection is cut and a new one resumes
     *     it; 0 for none
     */
    public void run(long bytes, double cutAt) throws Exception {
        Path blob = work.resolve("blob.bin");
        try (OutputStream o = Files.newOutputStream(blob)) {
            byte[] block = new byte[1 << 20];
            SplittableRandom random = new SplittableRandom();
            for (long w = 0; w < bytes; w += block.length) {
                random.nextBytes(block);
                o.write(block, 0, (int) Math.min(block.length, bytes - w));
            }
        }
        Path config = BenchConfig.write(work.resolve("files.yaml"), "up,down", "");
        Files.writeString(
                config,
                Files.readString(config) + "max_attachment_bytes: " + bytes + "\nattachments:\n  quota_bytes_per_user: "
                        + bytes + "\n  upload_bytes_per_second: " + (1L << 45) + "\n");
        try (Processes children = new Processes().maxHeap(SERVER_HEAP)) {
            int port = Processes.freePort();
            int metricsPort = Processes.freePort();
            long pid = children.server(
                            config, port, work.resolve("files-data"), "--metrics-port", String.valueOf(metricsPort))
                    .pid();
            ManagedChannel ch = plaintext(port);
            try {
                Identity uploader = Identity.generate();
                Channel up = ClientInterceptors.intercept(ch, Login.bearer(token(ch, "up", uploader)));
                Channel down = ClientInterceptors.intercept(ch, Login.bearer(token(ch, "down", Identity.generate())));
                new RawUserPair(up, down).openChat();
                if (cutAt > 0) {
                    measureCut(bytes, cutAt, blob, port, uploader, down, new SpartanProcess(pid, metricsPort));
                } else {
                    measure("spartan", bytes, blob, up, down);
                }
            } finally {
                ch.shutdownNow();
            }
        }
        int port = Processes.freePort();
        Server bare =
                ServerBuilder.forPort(port).addService(new Sink(bytes)).build().start();
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", port)
                .usePlaintext()
                .build();
        try {
            measure("bare gRPC", bytes, blob, ch, ch);
        } finally {
            ch.shutdownNow();
            bare.shutdownNow();
        }
    }

    private void measure(String what, long bytes, Path blob, Channel up, Channel down) throws Exception {
        String id = newId();
        long t0 = System.nanoTime();
        new BlobTransfer(up).upload(id, ChatIds.toUser("down"), blob, n -> {});
        long t1 = System.nanoTime();
        printRates(what, bytes, t0, t1, download(what, id, down));
    }

    /**
     * The upload on a connection of its own, cut at {@code cutAt} of the file (shut down at once: the server sees
     * the connection drop, as when a client is killed), then resumed on a new connection from the offset the server
     * holds; the server's heap sampled from its metrics throughout.
     */
    private void measureCut(
            long bytes, double cutAt, Path blob, int port, Identity uploader, Channel down, SpartanProcess server)
            throws Exception {
        String id = newId();
        long cut = (long) (cutAt * bytes);
        long[] sentBeforeCut = {0};
        long[] resumedAt = {-1};
        double liveBefore = ProcStats.liveHeapMb(server.pid());
        HeapWatch heap = new HeapWatch(server.metricsPort());
        heap.start();
        long t0 = System.nanoTime();
        ManagedChannel first = plaintext(port);
        try {
            new BlobTransfer(loggedIn(first, uploader)).upload(id, ChatIds.toUser("down"), blob, n -> {
                sentBeforeCut[0] = n;
                if (n >= cut) {
                    first.shutdownNow();
                }
            });
            throw new IllegalStateException("the upload ended before its cut at " + cut + " bytes");
        } catch (io.grpc.StatusRuntimeException e) {
            // the cut: the connection is gone under the call
        } finally {
            first.shutdownNow();
        }
        long cutAtNanos = System.nanoTime();
        double liveAtCut = ProcStats.liveHeapMb(server.pid()); // what the server kept of the first part
        long resumedAtNanos = System.nanoTime();
        ManagedChannel second = plaintext(port);
        try {
            new BlobTransfer(loggedIn(second, uploader)).upload(id, ChatIds.toUser("down"), blob, n -> {
                if (resumedAt[0] < 0) {
                    resumedAt[0] = n;
                }
            });
        } finally {
            second.shutdownNow();
        }
        long t1 = System.nanoTime();
        heap.stop();
        double liveAfter = ProcStats.liveHeapMb(server.pid());
        double stored =
                ServerFigures.scrape(List.of(server.metricsPort())).sum("spartan_attachments_upload_bytes_total");
        // the upload's time without the heap measurement at the cut (it runs jcmd, and a full GC in the server)
        printRates("spartan", bytes, t0 + (resumedAtNanos - cutAtNanos), t1, download("spartan", id, down));
        out.printf(
                Locale.ROOT,
                "files     cut at %.0f%%: the client had sent %.1f MiB, the server held %.1f MiB and the upload resumed"
                        + " there on a new connection; sent again after the cut: %d bytes (%.2f%% of the file, what was"
                        + " in flight); stored by the server in all: %.1f MiB (%s)%n",
                cutAt * 100,
                sentBeforeCut[0] / 1048576.0,
                resumedAt[0] / 1048576.0,
                sentBeforeCut[0] - resumedAt[0],
                (sentBeforeCut[0] - resumedAt[0]) * 100.0 / bytes,
                stored / 1048576.0,
                Double.isNaN(stored) || stored == 0
                        ? "metrics not available"
                        : (long) stored == bytes ? "each byte once" : (long) (stored - bytes) + " bytes twice");
        out.printf(
                Locale.ROOT,
                "files     server heap during the upload: at most %.1f MiB in use (garbage included; %d samples, one"
                        + " every %d ms), under its fixed bound %s; live after a full GC: %.1f MiB before the upload, %.1f MiB at the cut, %.1f MiB after%n",
                heap.peakInUse / 1048576.0,
                heap.samples.get(),
                HEAP_SAMPLE_MILLIS,
                SERVER_HEAP,
                liveBefore,
                liveAtCut,
                liveAfter);
    }

    /** Downloads blob {@code id}; returns when it started, in nanoTime. */
    private long[] download(String what, String id, Channel down) throws Exception {
        long t1 = System.nanoTime();
        Path got = work.resolve("got-" + what.replace(' ', '-'));
        new BlobTransfer(down).download(id, got, n -> {});
        long t2 = System.nanoTime();
        Files.deleteIfExists(got);
        return new long[] {t1, t2};
    }

    private void printRates(String what, long bytes, long t0, long uploaded, long[] download) {
        long t1 = uploaded;
        long t2 = t1 + (download[1] - download[0]);
        out.printf(
                Locale.ROOT,
                "files     %-10s %6.1f MiB: upload %7.1f MB/s, download %7.1f MB/s%n",
                what,
                bytes / 1048576.0,
                bytes / 1e6 / ((t1 - t0) / 1e9),
                bytes / 1e6 / ((t2 - t1) / 1e9));
    }

    private static String token(ManagedChannel ch, String user, Identity identity) {
        return Login.perform(ch, user, identity).getSessionToken();
    }

    /** A session token works on the connection its login was made on: a new connection logs in again. */
    private static Channel loggedIn(ManagedChannel ch, Identity uploader) {
        return ClientInterceptors.intercept(ch, Login.bearer(token(ch, "up", uploader)));
    }

    private static ManagedChannel plaintext(int port) {
        return ManagedChannelBuilder.forAddress("localhost", port)
                .usePlaintext()
                .build();
    }

    private static String newId() {
        return HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(16));
    }

    /** The Spartan server process: its pid (for jcmd) and its metrics port. */
    private record SpartanProcess(long pid, int metricsPort) {}

    /** The server's heap from its metrics, every {@link #HEAP_SAMPLE_MILLIS} until stopped: the peaks. */
    private static final class HeapWatch {
        private final int metricsPort;
        private final java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "heap-watch");
                    t.setDaemon(true);
                    return t;
                });
        private volatile double peakInUse;
        private final java.util.concurrent.atomic.AtomicInteger samples =
                new java.util.concurrent.atomic.AtomicInteger();

        HeapWatch(int metricsPort) {
            this.metricsPort = metricsPort;
        }

        void start() {
            var unused = timer.scheduleWithFixedDelay(
                    this::sample, 0, HEAP_SAMPLE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private void sample() {
            ServerFigures now = ServerFigures.scrape(List.of(metricsPort));
            if (now.isEmpty()) {
                return;
            }
            samples.incrementAndGet();
            peakInUse = Math.max(peakInUse, now.sum("jvm_memory_used_bytes{area=\"heap\""));
        }

        void stop() throws InterruptedException {
            timer.shutdown();
            timer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            sample();
        }
    }

    /** The two users' chat, so that the upload names a reader. */
    private record RawUserPair(Channel up, Channel down) {
        void openChat() {
            dev.spartan.proto.SpartanGrpc.newBlockingStub(up)
                    .requestChat(dev.spartan.proto.ChatRequest.newBuilder()
                            .setPeer("down")
                            .build());
            dev.spartan.proto.SpartanGrpc.newBlockingStub(down)
                    .answerChat(dev.spartan.proto.ChatAnswer.newBuilder()
                            .setPeer("up")
                            .setAccept(true)
                            .build());
        }
    }

    /** The bare baseline: takes an upload's bytes and drops them; sends as many bytes back, at the reader's pace. */
    private static final class Sink extends AttachmentsGrpc.AttachmentsImplBase {
        private final long size;

        Sink(long size) {
            this.size = size;
        }

        @Override
        public void attachmentOffset(
                AttachmentOffsetRequest request, StreamObserver<AttachmentOffsetResponse> response) {
            response.onNext(AttachmentOffsetResponse.newBuilder()
                    .setBlobId(request.getBlobId())
                    .build());
            response.onCompleted();
        }

        @Override
        public StreamObserver<UploadRequest> uploadAttachment(StreamObserver<AttachmentOffsetResponse> response) {
            long[] got = {0};
            return new StreamObserver<>() {
                @Override
                public void onNext(UploadRequest r) {
                    got[0] += r.getData().size();
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    response.onNext(AttachmentOffsetResponse.newBuilder()
                            .setOffset(got[0])
                            .setComplete(true)
                            .build());
                    response.onCompleted();
                }
            };
        }

        @Override
        public void downloadAttachment(DownloadRequest request, StreamObserver<DownloadChunk> response) {
            ServerCallStreamObserver<DownloadChunk> call = (ServerCallStreamObserver<DownloadChunk>) response;
            ByteString chunk = ByteString.copyFrom(new byte[64 * 1024]);
            long[] sent = {0};
            call.setOnReadyHandler(() -> {
                while (call.isReady() && sent[0] < size) {
                    int n = (int) Math.min(chunk.size(), size - sent[0]);
                    call.onNext(DownloadChunk.newBuilder()
                            .setOffset(sent[0])
                            .setSize(size)
                            .setData(chunk.substring(0, n))
                            .build());
                    sent[0] += n;
                    if (sent[0] >= size) {
                        call.onCompleted();
                    }
                }
            });
        }
    }
}
