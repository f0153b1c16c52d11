package dev.spartan.attachments;

import com.google.protobuf.ByteString;
import dev.spartan.config.AttachmentsConfig;
import dev.spartan.store.proto.StoredAttachment;
import dev.spartan.store.proto.StoredPart;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;

/**
 * Blobs in an S3-compatible bucket shared by a cluster's nodes, as multipart uploads: the bytes of a call are
 * spooled to a local file until a part is full ({@link #PART_BYTES}), then sent as one part, and the part list is kept
 * in the blob's record, so any node can continue an upload from the parts stored. Credentials come from the
 * environment ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}) or the matching system properties.
 */
public final class S3BlobStore implements BlobStore {
    /** Bytes per part: above S3's 5 MiB minimum for all but the last part. */
    public static final int PART_BYTES = 8 * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final Path spool;

    private S3BlobStore(S3Client s3, String bucket, Path spool) {
        this.s3 = s3;
        this.bucket = bucket;
        this.spool = spool;
    }

    /** Connects, and makes the bucket if the store has none of that name. */
    public static S3BlobStore open(AttachmentsConfig.S3 config, Path spool) throws IOException {
        S3Client s3 = S3Client.builder()
                .endpointOverride(URI.create(config.endpoint()))
                .region(Region.of(config.region()))
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(AwsCredentialsProviderChain.of(
                        EnvironmentVariableCredentialsProvider.create(), SystemPropertyCredentialsProvider.create()))
                // S3-compatible stores do not all take the newer trailing checksums; SHA-256 of the blob is checked
                // end to end by the readers anyway.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        try {
            try {
                s3.headBucket(b -> b.bucket(config.bucket()));
            } catch (NoSuchBucketException e) {
                s3.createBucket(b -> b.bucket(config.bucket()));
            }
        } catch (SdkException e) {
            s3.close();
            throw new IOException(
                    "the object store at " + config.endpoint() + " (bucket " + config.bucket() + ") does not answer: "
                            + e.getMessage(),
                    e);
        }
        return new S3BlobStore(s3, config.bucket(), Files.createDirectories(spool));
    }

    private static String key(StoredAttachment b) {
        return "blobs/" + b.getBlobId();
    }

    @Override
    public long stored(StoredAttachment b) {
        return b.getComplete()
                ? b.getSize()
                : b.getPartsList().stream().mapToLong(StoredPart::getSize).sum();
    }

    @Override
    public Writer writer(StoredAttachment start, Consumer<StoredAttachment> save) throws IOException {
        StoredAttachment[] record = {start};
        try {
            if (start.getMultipartUploadId().isEmpty()) {
                String id = s3.createMultipartUpload(r -> r.bucket(bucket).key(key(start)))
                        .uploadId();
                record[0] = start.toBuilder().setMultipartUploadId(id).build();
                save.accept(record[0]);
            }
        } catch (SdkException e) {
            throw new IOException(e.getMessage(), e);
        }
        Path file = spool.resolve(start.getBlobId());
        FileChannel channel = FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.READ,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new Writer() {
            @Override
            public void write(ByteString data) throws IOException {
                for (var buffer : data.asReadOnlyByteBufferList()) {
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
                if (channel.size() >= PART_BYTES) {
                    sendPart();
                }
            }

            private void sendPart() throws IOException {
                long size = channel.size();
                int number = record[0].getPartsCount() + 1;
                try {
                    String etag = s3.uploadPart(
                                    r -> r.bucket(bucket)
                                            .key(key(start))
                                            .uploadId(record[0].getMultipartUploadId())
                                            .partNumber(number)
                                            .contentLength(size),
                                    RequestBody.fromFile(file))
                            .eTag();
                    record[0] = record[0].toBuilder()
                            .addParts(StoredPart.newBuilder()
                                    .setNumber(number)
                                    .setEtag(etag)
                                    .setSize(size))
                            .build();
                    save.accept(record[0]);
                } catch (SdkException e) {
                    throw new IOException(e.getMessage(), e);
                }
                channel.truncate(0);
                channel.position(0);
            }

            @Override
            public StoredAttachment complete() throws IOException {
                if (channel.size() > 0 || record[0].getPartsCount() == 0) {
                    sendPart();
                }
                try {
                    s3.completeMultipartUpload(r -> r.bucket(bucket)
                            .key(key(start))
                            .uploadId(record[0].getMultipartUploadId())
                            .multipartUpload(m -> m.parts(record[0].getPartsList().stream()
                                    .map(p -> CompletedPart.builder()
                                            .partNumber(p.getNumber())
                                            .eTag(p.getEtag())
                                            .build())
                                    .toList())));
                } catch (SdkException e) {
                    throw new IOException(e.getMessage(), e);
                }
                close();
                return record[0].toBuilder()
                        .clearParts()
                        .clearMultipartUploadId()
                        .setComplete(true)
                        .build();
            }

            @Override
            public void close() throws IOException {
                channel.close();
                Files.deleteIfExists(file); // bytes short of a part are sent again by the client
            }
        };
    }

    @Override
    public InputStream read(StoredAttachment b, long offset) throws IOException {
        if (offset >= b.getSize()) {
            return new ByteArrayInputStream(new byte[0]);
        }
        try {
            return s3.getObject(r -> r.bucket(bucket).key(key(b)).range("bytes=" + offset + "-"));
        } catch (SdkException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void delete(StoredAttachment b) throws IOException {
        try {
            if (!b.getMultipartUploadId().isEmpty()) {
                s3.abortMultipartUpload(r -> r.bucket(bucket).key(key(b)).uploadId(b.getMultipartUploadId()));
            } else {
                s3.deleteObject(r -> r.bucket(bucket).key(key(b)));
            }
        } catch (NoSuchKeyException | NoSuchUploadException e) {
            // gone already
        } catch (SdkException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
