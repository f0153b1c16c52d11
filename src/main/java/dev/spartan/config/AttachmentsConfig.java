package dev.spartan.config;

import java.time.Duration;

/**
 * What the node allows and where it keeps attachment blobs.
 *
 * @param maxBytes              {@code max_attachment_bytes}: the largest blob accepted [100 MiB]
 * @param quotaBytesPerUser     {@code attachments.quota_bytes_per_user}: what one user's blobs (stored and in progress)
 *                              may add up to [1 GiB]
 * @param uploadBytesPerSecond  {@code attachments.upload_bytes_per_second}: the pace of one user's uploads [50 MiB/s]
 * @param lifetime              {@code attachments.lifetime_days}: how long a complete blob is kept [30 days]
 * @param incompleteAfter       {@code attachments.incomplete_hours}: when an unfinished upload is dropped [24 h]
 * @param s3                    {@code attachments.endpoint}, {@code bucket}, {@code region}: the object store that
 *                              holds the blobs of a Redis cluster; null on an embedded node (blobs in the data
 *                              directory)
 */
public record AttachmentsConfig(
        long maxBytes,
        long quotaBytesPerUser,
        long uploadBytesPerSecond,
        Duration lifetime,
        Duration incompleteAfter,
        S3 s3) {
    public static final long MIB = 1024 * 1024;

    /** The S3-compatible store; credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). */
    public record S3(String endpoint, String bucket, String region) {}

    public static final AttachmentsConfig DEFAULTS =
            new AttachmentsConfig(100 * MIB, 1024 * MIB, 50 * MIB, Duration.ofDays(30), Duration.ofHours(24), null);

    public AttachmentsConfig withMaxBytes(long bytes) {
        return new AttachmentsConfig(bytes, quotaBytesPerUser, uploadBytesPerSecond, lifetime, incompleteAfter, s3);
    }

    public AttachmentsConfig withS3(S3 store) {
        return new AttachmentsConfig(
                maxBytes, quotaBytesPerUser, uploadBytesPerSecond, lifetime, incompleteAfter, store);
    }
}
