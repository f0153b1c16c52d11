package dev.spartan.attachments;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.client.BlobTransfer;
import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.AttachmentCipher;
import dev.spartan.proto.AttachmentOffsetResponse;
import dev.spartan.proto.AttachmentsGrpc;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.UploadRequest;
import dev.spartan.proto.UploadStart;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.WireSession;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UploadAttachment, AttachmentOffset and DownloadAttachment on an in-JVM TLS node with its embedded store. */
class AttachmentsTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    private TlsNode node;
    private WireSession alice;
    private WireSession bob;
    private WireSession eve;

    @BeforeEach
    void start() throws Exception {
        String config = Files.readString(Path.of("config.yaml"))
                + "\nmax_attachment_bytes: 3000000\nattachments:\n  quota_bytes_per_user: 4000000\n";
        node = new TlsNode(dir.resolve("node"), config);
        alice = WireSession.login("alice", dir.resolve("keys/alice"), node.port());
        bob = WireSession.login("bob", dir.resolve("keys/bob"), node.port());
        eve = WireSession.login("eve", dir.resolve("keys/eve"), node.port());
        alice.chatWith(bob);
    }

    @AfterEach
    void stop() {
        alice.close();
        bob.close();
        eve.close();
        node.close();
    }

    @Test
    void anUploadCutAtFortyPercentResumesWithoutSendingTheFirstPartAgainAndTheReaderGetsEveryByte() throws Exception {
        Path blob = blob(2_000_000);
        String id = newId();
        BlobTransfer up = new BlobTransfer(alice.authorizedChannel());
        long size = Files.size(blob);
        long stored = partialUpload(alice, id, ChatIds.toUser("bob"), blob, size * 4 / 10);

        List<Long> progress = new java.util.ArrayList<>();
        assertThat(up.upload(id, ChatIds.toUser("bob"), blob, progress::add)).isEqualTo(size);
        assertThat(progress.get(0))
                .as("the second call starts where the server stopped")
                .isEqualTo(stored);
        assertThat(up.offset(id).getComplete()).isTrue();

        Path got = dir.resolve("got");
        new BlobTransfer(bob.authorizedChannel()).download(id, got, n -> {});
        assertThat(Files.mismatch(blob, got)).isEqualTo(-1);
        // bob was the only reader: the blob is gone
        assertThat(stored()).isEmpty();
        assertThat(status(() -> new BlobTransfer(bob.authorizedChannel()).download(id, dir.resolve("again"), n -> {})))
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    /**
     * The size of the large upload (the issue asks for 1 GB; see README, Tests, for what that costs here):
     * {@code -Dspartan.files.large=1073741824} runs it at 1 GiB.
     */
    static final long LARGE = Long.getLong("spartan.files.large", 64L << 20);

    @Test
    void aLargeUploadCutAtFortyPercentResumesWithoutResendingAndTheHeapStaysBounded() throws Exception {
        Path blob = dir.resolve("large.bin");
        try (OutputStream o = Files.newOutputStream(blob)) {
            byte[] block = new byte[1 << 20];
            java.util.SplittableRandom fast = new java.util.SplittableRandom();
            for (long w = 0; w < LARGE; w += block.length) {
                fast.nextBytes(block); // the server stores any bytes; no need for a real blob's
                o.write(block, 0, (int) Math.min(block.length, LARGE - w));
            }
        }
        String config = Files.readString(Path.of("config.yaml"))
                + "\nmax_attachment_bytes: " + LARGE + "\nattachments:\n  quota_bytes_per_user: " + LARGE
                + "\n  upload_bytes_per_second: " + (4 * LARGE) + "\n";
        try (TlsNode big = new TlsNode(dir.resolve("big"), config)) {
            WireSession a = WireSession.login("alice", dir.resolve("keys/alice"), big.port());
            WireSession b = WireSession.login("bob", dir.resolve("keys/bob"), big.port());
            a.chatWith(b);
            String id = newId();
            long before = retainedHeap();
            long[] peak = {before};
            long cut = LARGE * 4 / 10 / (32 * 1024) * (32 * 1024);
            partialUpload(a, id, ChatIds.toUser("bob"), blob, cut);
            List<Long> first = new java.util.ArrayList<>();
            long start = System.nanoTime();
            new BlobTransfer(a.authorizedChannel()).upload(id, ChatIds.toUser("bob"), blob, n -> {
                if (first.isEmpty()) {
                    first.add(n);
                }
                if (n % (16L << 20) < 32 * 1024) {
                    peak[0] = Math.max(peak[0], retainedHeap());
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(first.get(0))
                    .as("resumed at the cut, nothing before it sent again")
                    .isEqualTo(cut);
            assertThat(Files.size(big.dataDir().resolve("attachments").resolve(id + ".blob")))
                    .isEqualTo(LARGE);
            long grew = peak[0] - before;
            System.out.printf(
                    "large upload: %d MiB, resumed at %d MiB, rest in %.1f s; heap retained after GC grew by %d KiB"
                            + " at most (bound 32 MiB)%n",
                    LARGE >> 20, cut >> 20, seconds, grew >> 10);
            assertThat(grew).as("retained heap growth").isLessThan(32L << 20);
            a.close();
            b.close();
        }
    }

    /** The heap that survived the last collections: what the test JVM (node and clients) really holds. */
    private static long retainedHeap() {
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean()
                .getHeapMemoryUsage()
                .getUsed();
    }

    @Test
    void aDownloadResumesFromWhatTheReaderHolds() throws Exception {
        Path blob = blob(300_000);
        String id = newId();
        new BlobTransfer(alice.authorizedChannel()).upload(id, ChatIds.toUser("bob"), blob, n -> {});
        Path partial = dir.resolve("partial");
        Files.write(partial, java.util.Arrays.copyOf(Files.readAllBytes(blob), 100_000));
        AtomicLong first = new AtomicLong(-1);
        new BlobTransfer(bob.authorizedChannel()).download(id, partial, n -> first.compareAndSet(-1, n));
        assertThat(first.get()).isEqualTo(100_000);
        assertThat(Files.mismatch(blob, partial)).isEqualTo(-1);
    }

    @Test
    void onlyTheChatsReadersMayDownloadAndOthersLearnNothing() throws Exception {
        String id = newId();
        new BlobTransfer(alice.authorizedChannel()).upload(id, ChatIds.toUser("bob"), blob(1000), n -> {});
        assertThat(status(() -> new BlobTransfer(eve.authorizedChannel()).download(id, dir.resolve("e"), n -> {})))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(status(
                        () -> new BlobTransfer(eve.authorizedChannel()).download(newId(), dir.resolve("e2"), n -> {})))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(status(() -> new BlobTransfer(eve.authorizedChannel())
                        .upload(id, ChatIds.toUser("bob"), blob(1000), n -> {})))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        // no chat with eve, and not a member of group2
        assertThat(status(() -> new BlobTransfer(alice.authorizedChannel())
                        .upload(newId(), ChatIds.toUser("eve"), blob(10), n -> {})))
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status(() -> new BlobTransfer(alice.authorizedChannel())
                        .upload(newId(), ChatIds.toGroup("group2"), blob(10), n -> {})))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void groupReadersEachDownloadAndTheBlobGoesAfterTheLast() throws Exception {
        WireSession charlie = WireSession.login("charlie", dir.resolve("keys/charlie"), node.port());
        try {
            String id = newId();
            Path blob = blob(70_000);
            new BlobTransfer(alice.authorizedChannel()).upload(id, ChatIds.toGroup("group1"), blob, n -> {});
            for (WireSession reader : List.of(bob, charlie, eve)) {
                Path got = dir.resolve("got-" + reader.user());
                new BlobTransfer(reader.authorizedChannel()).download(id, got, n -> {});
                assertThat(Files.mismatch(blob, got)).as(reader.user()).isEqualTo(-1);
            }
            assertThat(new BlobTransfer(alice.authorizedChannel()).offset(id).getOffset())
                    .isZero();
        } finally {
            charlie.close();
        }
    }

    @Test
    void limitsAnswerWithStatusesThatSayWhy() throws Exception {
        StatusRuntimeException tooBig = catchStatus(() -> new BlobTransfer(alice.authorizedChannel())
                .upload(newId(), ChatIds.toUser("bob"), blob(3_000_000), n -> {}));
        assertThat(tooBig.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(tooBig.getStatus().getDescription()).contains("max_attachment_bytes");

        new BlobTransfer(alice.authorizedChannel()).upload(newId(), ChatIds.toUser("bob"), blob(2_500_000), n -> {});
        StatusRuntimeException quota = catchStatus(() -> new BlobTransfer(alice.authorizedChannel())
                .upload(newId(), ChatIds.toUser("bob"), blob(2_000_000), n -> {}));
        assertThat(quota.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(quota.getStatus().getDescription()).contains("quota_bytes_per_user");

        StatusRuntimeException badId = catchStatus(() -> new BlobTransfer(alice.authorizedChannel()).offset("../x"));
        assertThat(badId.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void blobsAndUnfinishedUploadsExpire() throws Exception {
        String done = newId();
        new BlobTransfer(alice.authorizedChannel()).upload(done, ChatIds.toUser("bob"), blob(1000), n -> {});
        String unfinished = newId();
        Path big = blob(500_000);
        partialUpload(alice, unfinished, ChatIds.toUser("bob"), big, 100_000);
        node.passWallTime(Duration.ofHours(25));
        assertThat(node.sweepAttachments()).isEqualTo(1); // the unfinished upload
        assertThat(stored()).noneMatch(p -> p.getFileName().toString().startsWith(unfinished));
        node.passWallTime(Duration.ofDays(30));
        assertThat(node.sweepAttachments()).isEqualTo(1);
        assertThat(stored()).isEmpty();
    }

    /**
     * Sends the start and the first {@code bytes} of {@code blob}, waits until the server holds them, and breaks the
     * call off as a lost connection would.
     */
    static long partialUpload(WireSession who, String id, ChatRef chat, Path blob, long bytes) throws Exception {
        return partialUpload(who, id, chat, blob, bytes, bytes);
    }

    /** As above, waiting until the server reports {@code stored} bytes (an S3 node counts whole parts only). */
    static long partialUpload(WireSession who, String id, ChatRef chat, Path blob, long bytes, long stored)
            throws Exception {
        Context.CancellableContext call = Context.current().withCancellation();
        BlobTransfer transfer = new BlobTransfer(who.authorizedChannel());
        call.run(() -> {
            StreamObserver<UploadRequest> out = AttachmentsGrpc.newStub(who.authorizedChannel())
                    .uploadAttachment(new StreamObserver<>() {
                        @Override
                        public void onNext(AttachmentOffsetResponse value) {}

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                    });
            try {
                out.onNext(UploadRequest.newBuilder()
                        .setStart(UploadStart.newBuilder()
                                .setBlobId(id)
                                .setSize(Files.size(blob))
                                .setChat(chat))
                        .build());
                byte[] all = Files.readAllBytes(blob);
                for (int at = 0; at < bytes; at += 32 * 1024) {
                    out.onNext(UploadRequest.newBuilder()
                            .setData(ByteString.copyFrom(all, at, (int) Math.min(32 * 1024, bytes - at)))
                            .build());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> transfer.offset(id).getOffset() == stored);
        call.cancel(null);
        return bytes;
    }

    /** The files in the node's attachments directory. */
    private List<Path> stored() throws java.io.IOException {
        try (var files = Files.list(node.dataDir().resolve("attachments"))) {
            return files.toList();
        }
    }

    private static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** A file of {@code size} random bytes, encrypted: the blob a client would upload. */
    private Path blob(int size) throws Exception {
        byte[] plain = new byte[size];
        new java.util.SplittableRandom().nextBytes(plain); // content does not matter, only that it is not constant
        Path out = Files.createTempFile(dir, "blob", ".bin");
        try (OutputStream o = Files.newOutputStream(out)) {
            AttachmentCipher.encrypt(
                    AttachmentCipher.FileKey.random(RANDOM), new java.io.ByteArrayInputStream(plain), size, o);
        }
        return out;
    }

    interface Call {
        void run() throws Exception;
    }

    private static StatusRuntimeException catchStatus(Call call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a refusal");
    }

    private static Status.Code status(Call call) {
        return catchStatus(call).getStatus().getCode();
    }
}
