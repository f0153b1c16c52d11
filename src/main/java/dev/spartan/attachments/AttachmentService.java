package dev.spartan.attachments;

import com.google.protobuf.ByteString;
import dev.spartan.auth.Principal;
import dev.spartan.chat.Refusal;
import dev.spartan.proto.AttachmentOffsetRequest;
import dev.spartan.proto.AttachmentOffsetResponse;
import dev.spartan.proto.AttachmentsGrpc;
import dev.spartan.proto.DownloadChunk;
import dev.spartan.proto.DownloadRequest;
import dev.spartan.proto.UploadRequest;
import dev.spartan.store.StoreUnavailableException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Attachments gRPC service: uploads read one message at a time (paced by the user's upload rate), downloads
 * sent one 64 KiB chunk at a time while the reader's flow control is ready, so a call holds one chunk whatever the
 * file's size.
 */
public final class AttachmentService extends AttachmentsGrpc.AttachmentsImplBase {
    private static final Logger log = LoggerFactory.getLogger(AttachmentService.class);
    static final int DOWNLOAD_CHUNK = 64 * 1024;

    private final Attachments attachments;
    private final UploadPacer pacer;
    private final ScheduledExecutorService timer;

    public AttachmentService(Attachments attachments, ScheduledExecutorService timer, LongSupplier nanoTime) {
        this.attachments = attachments;
        this.timer = timer;
        this.pacer = new UploadPacer(attachments.config().uploadBytesPerSecond(), nanoTime);
    }

    @Override
    public void attachmentOffset(
            AttachmentOffsetRequest request, StreamObserver<AttachmentOffsetResponse> responseObserver) {
        responseObserver.onNext(attachments.offset(Principal.current(), request.getBlobId()));
        responseObserver.onCompleted();
    }

    @Override
    public StreamObserver<UploadRequest> uploadAttachment(StreamObserver<AttachmentOffsetResponse> responseObserver) {
        ServerCallStreamObserver<AttachmentOffsetResponse> call =
                (ServerCallStreamObserver<AttachmentOffsetResponse>) responseObserver;
        call.disableAutoRequest();
        call.request(1);
        String me = Principal.current();
        return new StreamObserver<>() {
            private Attachments.Upload upload;
            private boolean answered;

            @Override
            public void onNext(UploadRequest request) {
                if (answered) {
                    return;
                }
                try {
                    if (upload == null) {
                        if (!request.hasStart()) {
                            throw Refusal.invalid("an upload begins with start{blob_id, size, offset, chat}");
                        }
                        upload = attachments.begin(me, request.getStart());
                        if (upload.complete()) {
                            finish();
                            return;
                        }
                        call.request(1);
                        return;
                    }
                    if (request.hasStart()) {
                        throw Refusal.invalid("an upload has one start, as its first message");
                    }
                    ByteString data = request.getData();
                    if (upload.write(data)) {
                        finish();
                        return;
                    }
                    long wait = pacer.charge(me, data.size());
                    if (wait == 0) {
                        call.request(1);
                    } else {
                        var unused = timer.schedule(() -> call.request(1), wait, TimeUnit.NANOSECONDS);
                    }
                } catch (RuntimeException e) {
                    answered = true;
                    closeUpload();
                    throw e;
                }
            }

            private void finish() {
                answered = true;
                AttachmentOffsetResponse answer = upload.answer();
                closeUpload();
                call.onNext(answer);
                call.onCompleted();
            }

            private void closeUpload() {
                if (upload != null) {
                    upload.close();
                }
            }

            @Override
            public void onError(Throwable t) {
                closeUpload(); // the client went away: what is stored stays, and the next call continues from it
            }

            @Override
            public void onCompleted() {
                if (answered) {
                    return;
                }
                if (upload == null) {
                    throw Refusal.invalid("an upload begins with start{blob_id, size, offset, chat}");
                }
                finish();
            }
        };
    }

    @Override
    public void downloadAttachment(DownloadRequest request, StreamObserver<DownloadChunk> responseObserver) {
        ServerCallStreamObserver<DownloadChunk> call = (ServerCallStreamObserver<DownloadChunk>) responseObserver;
        String me = Principal.current();
        Attachments.Download download = attachments.download(me, request.getBlobId(), request.getOffset());
        long size = download.record().getSize();
        InputStream in = download.bytes();
        byte[] buffer = new byte[DOWNLOAD_CHUNK];
        long[] offset = {request.getOffset()};
        boolean[] done = {false};
        call.setOnCancelHandler(() -> close(in));
        call.setOnReadyHandler(() -> {
            if (done[0]) {
                return;
            }
            try {
                while (call.isReady() && !done[0]) {
                    int n = in.readNBytes(buffer, 0, (int) Math.min(DOWNLOAD_CHUNK, size - offset[0]));
                    if (n > 0) {
                        call.onNext(DownloadChunk.newBuilder()
                                .setOffset(offset[0])
                                .setSize(size)
                                .setData(ByteString.copyFrom(buffer, 0, n))
                                .build());
                        offset[0] += n;
                    }
                    if (offset[0] >= size || n == 0) {
                        done[0] = true;
                        close(in);
                        if (offset[0] < size) {
                            call.onError(io.grpc.Status.DATA_LOSS
                                    .withDescription("the server's copy of this file is cut short (" + offset[0]
                                            + " of " + size + " bytes): tell the operator")
                                    .asRuntimeException());
                            return;
                        }
                        // Counted before the end is sent, so a reader who saw the end finds the count made.
                        attachments.downloaded(me, request.getBlobId());
                        call.onCompleted();
                    }
                }
            } catch (IOException e) {
                done[0] = true;
                close(in);
                throw new StoreUnavailableException("the attachment store failed: " + e.getMessage(), e);
            }
        });
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            log.debug("closing a blob: {}", e.toString());
        }
    }
}
