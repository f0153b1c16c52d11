package dev.spartan.attachments;

import com.google.protobuf.ByteString;
import dev.spartan.chat.Refusal;
import dev.spartan.config.AttachmentsConfig;
import dev.spartan.proto.AttachmentOffsetResponse;
import dev.spartan.proto.UploadStart;
import dev.spartan.store.StoreUnavailableException;
import dev.spartan.store.proto.StoredAttachment;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The rules of attachments: who may upload and read what, the limits, and when a blob goes. */
public final class Attachments {
    private static final Logger log = LoggerFactory.getLogger(Attachments.class);
    private static final Pattern BLOB_ID = Pattern.compile("[0-9a-f]{32}");
    /** The largest data message of an upload. */
    public static final int MAX_DATA_BYTES = 32 * 1024;

    private final AttachmentsConfig config;
    private final AttachmentIndex index;
    private final BlobStore blobs;
    private final ChatReaders readers;
    private final Clock clock;
    /** The upload call open for each blob: a newer call of the same blob takes over (the older may be a dead link). */
    private final Map<String, Upload> open = new ConcurrentHashMap<>();

    private final Object quotaLock = new Object();
    /** Data bytes upload calls stored, over all blobs: a resumed upload adds only what it did not hold yet. */
    private final java.util.concurrent.atomic.LongAdder uploadedBytes = new java.util.concurrent.atomic.LongAdder();

    public Attachments(
            AttachmentsConfig config, AttachmentIndex index, BlobStore blobs, ChatReaders readers, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.index = Objects.requireNonNull(index, "index");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.readers = Objects.requireNonNull(readers, "readers");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public AttachmentsConfig config() {
        return config;
    }

    /** Data bytes upload calls stored since the node started ({@code spartan_attachments_upload_bytes_total}). */
    public long uploadedBytes() {
        return uploadedBytes.sum();
    }

    static String requireId(String blobId) {
        if (!BLOB_ID.matcher(blobId).matches()) {
            throw Refusal.invalid("a blob_id is 32 lowercase hex digits");
        }
        return blobId;
    }

    /** Where {@code me}'s upload of {@code blobId} stands. */
    public AttachmentOffsetResponse offset(String me, String blobId) {
        requireId(blobId);
        AttachmentOffsetResponse.Builder out =
                AttachmentOffsetResponse.newBuilder().setBlobId(blobId);
        index.get(blobId)
                .filter(a -> a.getOwner().equals(me) && live(a))
                .ifPresent(a -> out.setOffset(stored(a)).setComplete(a.getComplete()));
        return out.build();
    }

    private long stored(StoredAttachment a) {
        try {
            return a.getComplete() ? a.getSize() : blobs.stored(a);
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    private boolean live(StoredAttachment a) {
        return a.getExpiresAtMillis() > clock.millis();
    }

    /** An upload call in progress. */
    public final class Upload implements AutoCloseable {
        private StoredAttachment record;
        private final BlobStore.Writer writer;
        private long offset;
        private boolean closed;

        private Upload(StoredAttachment record, long offset) throws IOException {
            this.record = record;
            this.offset = offset;
            this.writer = record.getComplete()
                    ? null
                    : blobs.writer(record, r -> {
                        index.put(r);
                        this.record = r;
                    });
        }

        public boolean complete() {
            return record.getComplete();
        }

        public long offset() {
            return offset;
        }

        /** Stores {@code data}; returns whether that was the last of the blob (then it is durable and complete). */
        public synchronized boolean write(ByteString data) {
            if (closed) {
                throw Refusal.conflict("a newer call continues this upload (or it expired)");
            }
            if (record.getComplete()) {
                throw Refusal.invalid("this blob is complete: there is nothing more to send");
            }
            if (data.size() > MAX_DATA_BYTES) {
                throw Refusal.invalid("a data message holds at most 32 KiB");
            }
            if (offset + data.size() > record.getSize()) {
                throw Refusal.invalid("more data than the size given at the start (" + record.getSize() + " bytes)");
            }
            try {
                writer.write(data);
                offset += data.size();
                uploadedBytes.add(data.size());
                if (offset == record.getSize()) {
                    StoredAttachment done = writer.complete().toBuilder()
                            .setExpiresAtMillis(
                                    clock.millis() + config.lifetime().toMillis())
                            .build();
                    index.put(done);
                    record = done;
                    return true;
                }
                return false;
            } catch (IOException e) {
                throw unavailable(e);
            }
        }

        public AttachmentOffsetResponse answer() {
            return AttachmentOffsetResponse.newBuilder()
                    .setBlobId(record.getBlobId())
                    .setOffset(offset)
                    .setComplete(record.getComplete())
                    .build();
        }

        @Override
        public void close() {
            abandon();
            open.remove(record.getBlobId(), this);
        }

        /** Ends this call's part: what is stored stays for the next call. */
        synchronized void abandon() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (writer != null && !record.getComplete()) {
                    writer.close();
                }
            } catch (IOException e) {
                log.warn("attachment {}: closing an unfinished upload failed: {}", record.getBlobId(), e.toString());
            }
        }
    }

    /** Starts or continues {@code me}'s upload as {@code start} says. */
    public Upload begin(String me, UploadStart start) {
        String id = requireId(start.getBlobId());
        if (start.getSize() > config.maxBytes() || start.getSize() < 0) {
            throw Refusal.exhausted("the file is " + start.getSize() + " bytes encrypted; the server's limit"
                    + " (max_attachment_bytes) is " + config.maxBytes() + " bytes");
        }
        StoredAttachment record;
        synchronized (quotaLock) {
            record = index.get(id).filter(this::live).orElse(null);
            if (record == null) {
                List<String> readersOf = readers.of(me, start.getChat());
                long used = index.usedBy(me);
                if (used + start.getSize() > config.quotaBytesPerUser()) {
                    throw Refusal.exhausted("your files on the server would take " + (used + start.getSize())
                            + " bytes; the quota (attachments.quota_bytes_per_user) is " + config.quotaBytesPerUser()
                            + " bytes: wait until your readers downloaded earlier files or they expire");
                }
                long now = clock.millis();
                record = StoredAttachment.newBuilder()
                        .setBlobId(id)
                        .setOwner(me)
                        .setSize(start.getSize())
                        .addAllReaders(readersOf)
                        .setCreatedAtMillis(now)
                        .setExpiresAtMillis(now + config.incompleteAfter().toMillis())
                        .setRecordVersion(1)
                        .build();
                index.put(record);
            } else if (!record.getOwner().equals(me)) {
                throw Refusal.denied("this blob is another user's upload");
            } else if (record.getSize() != start.getSize()) {
                throw Refusal.precondition("this upload began with another size (" + record.getSize() + " bytes)");
            }
        }
        synchronized (open) {
            Upload previous = open.remove(id);
            if (previous != null) {
                previous.abandon();
            }
            return openUpload(record, start.getOffset());
        }
    }

    private Upload openUpload(StoredAttachment record, long offset) {
        String id = record.getBlobId();
        try {
            long stored = stored(record);
            if (offset != stored) {
                throw Refusal.precondition("the server holds " + stored
                        + " bytes of this blob: continue from there (offset " + stored + ")");
            }
            Upload upload = new Upload(record, stored);
            open.put(id, upload);
            if (stored == record.getSize() && !record.getComplete()) {
                upload.write(ByteString.EMPTY); // an empty blob, or all bytes there before a restart
            }
            return upload;
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    /** A download of a complete blob {@code me} may read. */
    public record Download(StoredAttachment record, InputStream bytes) {}

    public Download download(String me, String blobId, long offset) {
        requireId(blobId);
        StoredAttachment a = index.get(blobId)
                .filter(r -> live(r)
                        && (r.getOwner().equals(me) || r.getReadersList().contains(me)))
                .orElseThrow(() -> Refusal.notFound("the server holds no file " + blobId
                        + " for you (never uploaded, expired, or deleted after" + " every reader downloaded it)"));
        if (!a.getComplete()) {
            throw Refusal.precondition("this file is still being uploaded: try again later");
        }
        if (offset < 0 || offset > a.getSize()) {
            throw Refusal.invalid("offset " + offset + " is outside the file's " + a.getSize() + " bytes");
        }
        try {
            return new Download(a, blobs.read(a, offset));
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    /** {@code me} has received all of {@code blobId}; once every reader has, the blob goes. */
    public void downloaded(String me, String blobId) {
        synchronized (quotaLock) {
            index.get(blobId).ifPresent(a -> {
                if (!a.getReadersList().contains(me) || a.getDownloadedByList().contains(me)) {
                    return;
                }
                StoredAttachment now = a.toBuilder().addDownloadedBy(me).build();
                if (now.getDownloadedByCount() >= now.getReadersCount()) {
                    delete(now, "every reader downloaded it");
                } else {
                    index.put(now);
                }
            });
        }
    }

    /** Deletes what expired: complete blobs past their lifetime, uploads that never finished. Returns how many. */
    public int sweep() {
        int n = 0;
        for (StoredAttachment a : index.all()) {
            if (!live(a)) {
                Upload u = open.remove(a.getBlobId());
                if (u != null) {
                    u.abandon();
                }
                delete(a, a.getComplete() ? "it expired" : "its upload never finished");
                n++;
            }
        }
        return n;
    }

    private void delete(StoredAttachment a, String why) {
        try {
            blobs.delete(a);
        } catch (IOException e) {
            throw unavailable(e);
        }
        index.delete(a.getBlobId());
        log.info("attachment {} ({} bytes) deleted: {}", a.getBlobId(), a.getSize(), why);
    }

    private static StoreUnavailableException unavailable(IOException e) {
        return new StoreUnavailableException("the attachment store failed: " + e.getMessage(), e);
    }
}
