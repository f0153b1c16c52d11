package dev.spartan.client;

import com.google.protobuf.ByteString;
import dev.spartan.proto.AttachmentOffsetRequest;
import dev.spartan.proto.AttachmentOffsetResponse;
import dev.spartan.proto.AttachmentsGrpc;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.DownloadChunk;
import dev.spartan.proto.DownloadRequest;
import dev.spartan.proto.UploadRequest;
import dev.spartan.proto.UploadStart;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Moves one blob between a file and the server, resuming where the server (upload) or the local file (download)
 * stopped. Blocking; reads and sends one 32 KiB message at a time while the transport is ready, so memory stays
 * bounded whatever the size.
 */
public final class BlobTransfer {
    static final int DATA_BYTES = 32 * 1024;
    private final Channel channel;

    /** @param channel a channel whose calls carry the session's bearer token */
    public BlobTransfer(Channel channel) {
        this.channel = channel;
    }

    /** The server's offset of {@code blobId}'s upload. */
    public AttachmentOffsetResponse offset(String blobId) {
        return AttachmentsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .attachmentOffset(
                        AttachmentOffsetRequest.newBuilder().setBlobId(blobId).build());
    }

    /**
     * Uploads {@code blob} (the encrypted file) as {@code blobId} for {@code chat}, from the offset the server holds.
     *
     * @param progress told the bytes the server holds so far (at the start) and sent so far
     * @return the offset the server answered: the whole size once complete
     * @throws StatusRuntimeException as the server refused or the connection broke (call again to resume)
     */
    public long upload(String blobId, ChatRef chat, Path blob, LongConsumer progress)
            throws IOException, InterruptedException {
        AttachmentOffsetResponse at = offset(blobId);
        for (int tries = 1; ; tries++) {
            try {
                return uploadFrom(at, chat, blob, progress);
            } catch (StatusRuntimeException e) {
                // A call that broke just before may have stored its last messages after the server said where it
                // stood: the server then names another offset. Ask again and go on from there.
                if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION || tries >= 3) {
                    throw e;
                }
                AttachmentOffsetResponse now = offset(blobId);
                if (now.getOffset() == at.getOffset()) {
                    throw e;
                }
                at = now;
            }
        }
    }

    private long uploadFrom(AttachmentOffsetResponse at, ChatRef chat, Path blob, LongConsumer progress)
            throws IOException, InterruptedException {
        String blobId = at.getBlobId();
        long size = Files.size(blob);
        progress.accept(at.getOffset());
        if (at.getComplete()) {
            return at.getOffset();
        }
        CompletableFuture<AttachmentOffsetResponse> done = new CompletableFuture<>();
        try (FileChannel file = FileChannel.open(blob, StandardOpenOption.READ)) {
            file.position(at.getOffset());
            InputStream in = Channels.newInputStream(file);
            long[] sent = {at.getOffset()};
            AttachmentsGrpc.newStub(channel)
                    .uploadAttachment(new ClientResponseObserver<UploadRequest, AttachmentOffsetResponse>() {
                        private boolean first = true;
                        private boolean closed;

                        @Override
                        public void beforeStart(ClientCallStreamObserver<UploadRequest> out) {
                            out.setOnReadyHandler(() -> {
                                try {
                                    while (out.isReady() && !closed) {
                                        if (first) {
                                            first = false;
                                            out.onNext(UploadRequest.newBuilder()
                                                    .setStart(UploadStart.newBuilder()
                                                            .setBlobId(blobId)
                                                            .setSize(size)
                                                            .setOffset(at.getOffset())
                                                            .setChat(chat))
                                                    .build());
                                            continue;
                                        }
                                        byte[] chunk = in.readNBytes((int) Math.min(DATA_BYTES, size - sent[0]));
                                        if (chunk.length == 0) {
                                            closed = true;
                                            out.onCompleted();
                                            return;
                                        }
                                        out.onNext(UploadRequest.newBuilder()
                                                .setData(ByteString.copyFrom(chunk))
                                                .build());
                                        sent[0] += chunk.length;
                                        progress.accept(sent[0]);
                                    }
                                } catch (IOException e) {
                                    closed = true;
                                    out.onError(Status.CANCELLED
                                            .withDescription("cannot read " + blob + ": " + e.getMessage())
                                            .asRuntimeException());
                                }
                            });
                        }

                        @Override
                        public void onNext(AttachmentOffsetResponse value) {
                            done.complete(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            closed = true;
                            done.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                            done.completeExceptionally(
                                    Status.INTERNAL.withDescription("no answer").asRuntimeException());
                        }
                    });
            return await(done).getOffset();
        }
    }

    /**
     * Downloads {@code blobId} into {@code partial}, appending to what it already holds (a download that stopped
     * resumes there).
     *
     * @param progress told the bytes held so far
     * @return the blob's size
     */
    public long download(String blobId, Path partial, LongConsumer progress) throws IOException {
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        Iterator<DownloadChunk> chunks = AttachmentsGrpc.newBlockingStub(channel)
                .downloadAttachment(DownloadRequest.newBuilder()
                        .setBlobId(blobId)
                        .setOffset(have)
                        .build());
        long size = -1;
        try (OutputStream out = Files.newOutputStream(
                partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            progress.accept(have);
            while (chunks.hasNext()) {
                DownloadChunk c = chunks.next();
                if (c.getOffset() != have) {
                    throw new IOException("the server sent bytes from " + c.getOffset() + ", expected " + have);
                }
                c.getData().writeTo(out);
                have += c.getData().size();
                size = c.getSize();
                progress.accept(have);
            }
        }
        return size < 0 ? have : size;
    }

    private static <T> T await(CompletableFuture<T> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw s;
            }
            throw Status.fromThrowable(e.getCause()).asRuntimeException();
        }
    }
}
