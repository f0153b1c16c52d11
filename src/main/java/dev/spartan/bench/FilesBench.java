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
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code spartan bench --files}: one file's bytes uploaded to and downloaded from a Spartan server process (embedded
 * store, its blob synced before the answer), and the same bytes over a bare gRPC stream of the same service shape to
 * a server in this JVM that keeps nothing: what the store and the checks cost over the transport.
 */
public final class FilesBench {
    private final PrintStream out;
    private final Path work;

    public FilesBench(PrintStream out) throws java.io.IOException {
        this.out = out;
        this.work = Files.createTempDirectory("spartan-bench-files");
    }

    public void run(long bytes) throws Exception {
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
        try (Processes children = new Processes()) {
            int port = Processes.freePort();
            children.server(config, port, work.resolve("files-data"));
            ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", port)
                    .usePlaintext()
                    .build();
            try {
                Channel up = withToken(ch, "up");
                Channel down = withToken(ch, "down");
                new RawUserPair(up, down).openChat();
                measure("spartan", bytes, blob, up, down);
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
        String id = HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(16));
        long t0 = System.nanoTime();
        new BlobTransfer(up).upload(id, ChatIds.toUser("down"), blob, n -> {});
        long t1 = System.nanoTime();
        Path got = work.resolve("got-" + what.replace(' ', '-'));
        new BlobTransfer(down).download(id, got, n -> {});
        long t2 = System.nanoTime();
        Files.deleteIfExists(got);
        out.printf(
                Locale.ROOT,
                "files     %-10s %6.1f MiB: upload %7.1f MB/s, download %7.1f MB/s%n",
                what,
                bytes / 1048576.0,
                bytes / 1e6 / ((t1 - t0) / 1e9),
                bytes / 1e6 / ((t2 - t1) / 1e9));
    }

    private Channel withToken(ManagedChannel ch, String user) {
        String token = Login.perform(ch, user, Identity.generate()).getSessionToken();
        return ClientInterceptors.intercept(ch, Login.bearer(token));
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
