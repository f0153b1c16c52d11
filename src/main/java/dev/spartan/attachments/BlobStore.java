package dev.spartan.attachments;

import com.google.protobuf.ByteString;
import dev.spartan.store.proto.StoredAttachment;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/** Where blobs' bytes live: the data directory of an embedded node, or an S3 bucket shared by a cluster. */
public interface BlobStore extends AutoCloseable {
    /** The bytes of {@code blob}'s upload that are stored, and will still be after a restart. */
    long stored(StoredAttachment blob) throws IOException;

    /**
     * Continues {@code blob}'s upload at {@link #stored}. {@code save} gets the record to keep whenever the store's
     * own state of the upload changed (the parts of a multipart upload), before the bytes count as stored.
     */
    Writer writer(StoredAttachment blob, Consumer<StoredAttachment> save) throws IOException;

    /** The complete blob from {@code offset} on; the caller closes it. */
    InputStream read(StoredAttachment blob, long offset) throws IOException;

    /** Deletes the blob, complete or not; nothing if it is gone already. */
    void delete(StoredAttachment blob) throws IOException;

    @Override
    default void close() {}

    /** One open upload. */
    interface Writer extends AutoCloseable {
        void write(ByteString data) throws IOException;

        /** Makes every byte written durable and the blob readable; returns the record of the complete blob. */
        StoredAttachment complete() throws IOException;

        /** The call ended early: keep what can be kept (the next upload continues from {@link #stored}). */
        @Override
        void close() throws IOException;
    }
}
