package dev.spartan.attachments;

import dev.spartan.chat.Directory;
import dev.spartan.config.SpartanConfig;
import dev.spartan.store.MessageStore;
import dev.spartan.store.StoreOpenException;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's attachments: where blobs and records live (the data directory on an embedded node; the S3 bucket and Redis
 * on a cluster node), the service, and the sweep that deletes expired blobs.
 */
public final class AttachmentsNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttachmentsNode.class);
    private final Attachments attachments;
    private final BlobStore blobs;
    private final AttachmentService service;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "attachments");
        t.setDaemon(true);
        return t;
    });

    private AttachmentsNode(Attachments attachments, BlobStore blobs, long sweepSeconds) {
        this.attachments = attachments;
        this.blobs = blobs;
        this.service = new AttachmentService(attachments, timer, System::nanoTime);
        var unused = timer.scheduleWithFixedDelay(this::sweepQuietly, sweepSeconds, sweepSeconds, TimeUnit.SECONDS);
    }

    /**
     * The attachments of a node, or null when it cannot have any: a Redis node without an object store
     * ({@code attachments.endpoint}), whose blobs no other node could read, or a node without a data directory.
     *
     * @param redis the cluster's Redis, or null for an embedded node
     */
    public static AttachmentsNode open(
            SpartanConfig config,
            Path dataDir,
            RedisClusterCommands<String, String> redis,
            Directory directory,
            MessageStore store,
            Clock clock) {
        var settings = config.attachments();
        try {
            BlobStore blobs;
            AttachmentIndex index;
            if (settings.s3() != null) {
                blobs = S3BlobStore.open(settings.s3(), dataDir.resolve("attachments-spool"));
            } else if (redis == null && dataDir != null) {
                blobs = new FileBlobStore(dataDir.resolve("attachments"));
            } else {
                log.warn("attachments are off: a Redis node keeps blobs in an S3-compatible store; set"
                        + " attachments.endpoint and attachments.bucket");
                return null;
            }
            index = redis != null
                    ? new RedisAttachmentIndex(redis)
                    : new FileAttachmentIndex(dataDir.resolve("attachments"));
            Attachments a = new Attachments(settings, index, blobs, new ChatReaders(directory, store), clock);
            return new AttachmentsNode(
                    a, blobs, Math.max(1, config.retention().sweepEvery().toSeconds()));
        } catch (IOException e) {
            throw new StoreOpenException("cannot open the attachments' store: " + e.getMessage(), e);
        }
    }

    public AttachmentService service() {
        return service;
    }

    public Attachments attachments() {
        return attachments;
    }

    private void sweepQuietly() {
        try {
            attachments.sweep();
        } catch (RuntimeException e) {
            log.warn("the attachments' sweep failed, tried again later: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        blobs.close();
    }
}
