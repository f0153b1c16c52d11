package dev.spartan.attachments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.client.BlobTransfer;
import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.AttachmentCipher;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.S3ProxyServer;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.WireSession;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one Redis and one S3 server (S3Proxy, filesystem backend): a file uploaded through node 1, with a
 * break after its first part, is continued and then downloaded through node 2; Redis holds its record, never its
 * bytes.
 */
class ClusterAttachmentsTest {
    @TempDir
    Path dir;

    @Test
    void uploadedThroughNodeOneDownloadedThroughNodeTwo() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess();
                S3ProxyServer s3 = new S3ProxyServer(dir.resolve("s3"))) {
            String config = Files.readString(Path.of("config.yaml")) + "\nredis: " + redis.uri()
                    + "\nattachments:\n  endpoint: " + s3.endpoint() + "\n  bucket: spartan-files\n";
            try (TlsNode one = new TlsNode(dir.resolve("one"), config);
                    TlsNode two = new TlsNode(dir.resolve("two"), config)) {
                WireSession alice = WireSession.login("alice", dir.resolve("keys/alice"), one.port());
                WireSession bob = WireSession.login("bob", dir.resolve("keys/bob"), two.port());
                alice.chatWith(bob);
                int size = S3BlobStore.PART_BYTES + 300_000; // two parts: a full one and the rest
                Path blob = blob(size);
                String id = HexFormat.of()
                        .formatHex(
                                AttachmentCipher.FileKey.random(new SecureRandom())
                                        .key(),
                                0,
                                16);
                // node one sends a full part to S3 and spools 32 KiB more; the call breaks off
                long sent = S3BlobStore.PART_BYTES + 32 * 1024;
                AttachmentsTest.partialUpload(alice, id, ChatIds.toUser("bob"), blob, sent, S3BlobStore.PART_BYTES);
                // only the full part counts as stored: the bytes after it were in node one's spool
                WireSession aliceOnTwo = WireSession.login("alice", dir.resolve("keys/alice"), two.port());
                assertThat(new BlobTransfer(aliceOnTwo.authorizedChannel())
                                .offset(id)
                                .getOffset())
                        .isEqualTo(S3BlobStore.PART_BYTES)
                        .isLessThan(sent);
                assertThat(new BlobTransfer(aliceOnTwo.authorizedChannel())
                                .upload(id, ChatIds.toUser("bob"), blob, n -> {}))
                        .isEqualTo(Files.size(blob));
                Path got = dir.resolve("got");
                new BlobTransfer(bob.authorizedChannel()).download(id, got, n -> {});
                assertThat(Files.mismatch(blob, got)).isEqualTo(-1);
                aliceOnTwo.close();
                alice.close();
                bob.close();
            }
        }
    }

    private Path blob(int size) throws Exception {
        byte[] plain = new byte[size];
        new java.util.SplittableRandom().nextBytes(plain); // content does not matter, only that it is not constant
        Path out = Files.createTempFile(dir, "blob", ".bin");
        try (OutputStream o = Files.newOutputStream(out)) {
            AttachmentCipher.encrypt(
                    AttachmentCipher.FileKey.random(new SecureRandom()),
                    new java.io.ByteArrayInputStream(plain),
                    size,
                    o);
        }
        return out;
    }

    static long count(Path d) throws Exception {
        try (Stream<Path> s = Files.walk(d)) {
            return s.count();
        }
    }
}
