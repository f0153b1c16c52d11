package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.client.FileNames;
import dev.spartan.crypto.AttachmentCipher;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.OutputLines;
import dev.spartan.testing.TlsNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Files through real client processes and an in-JVM TLS node: what arrives is byte-identical, the server stores no
 * plaintext byte, and a spoiled blob is refused without writing anything under the file's name.
 */
class FilesIT extends OneNodeTest {
    /** The size of the file of the first test (the 20 MB). */
    static final int BIG = 20 * 1024 * 1024;

    @Test
    void aTwentyMegabyteFileArrivesByteIdenticalInOneToOneAndInGroup1AndTheServerHoldsNoPlaintextOfIt()
            throws Exception {
        String marker = "SPARTAN-PLAINTEXT-MARKER-" + UUID.randomUUID();
        Path file = withMarker(dir.resolve("report.bin"), BIG, marker);
        String shown = "report.bin (" + FileNames.size(BIG) + ")";
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob");
                ClientProcess charlie = client("charlie");
                ClientProcess eve = client("eve")) {
            Chats.open(alice, bob);
            for (ClientProcess c : List.of(charlie, eve)) {
                c.out().awaitRaw(ENTER_USER);
                c.type("group1");
                c.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
            }

            alice.type("/send " + file);
            alice.awaitLine("[Spartan] Sent " + shown + " to bob.");
            bob.awaitLine("[alice] sent " + shown + ": /save 1");
            assertNoStoredByteHolds(marker);
            bob.type("/save 1 " + dir.resolve("bob-1to1"));
            bob.awaitLine("[Spartan] Saved " + shown + " from alice as " + dir.resolve("bob-1to1/report.bin") + ".");
            assertThat(Files.mismatch(file, dir.resolve("bob-1to1/report.bin"))).isEqualTo(-1);

            alice.type("/group group1");
            bob.type("/group group1");
            alice.type("/send " + file);
            alice.awaitLine("[Spartan] Sent " + shown + " to group1.");
            assertNoStoredByteHolds(marker);
            for (ClientProcess reader : List.of(bob, charlie, eve)) {
                reader.awaitLine("[group1] [alice] sent " + shown + ": /save 1");
                reader.type("/save 1 " + dir.resolve(reader.user()));
            }
            for (ClientProcess reader : List.of(bob, charlie, eve)) {
                Path saved = dir.resolve(reader.user()).resolve("report.bin");
                reader.awaitLine("[Spartan] Saved " + shown + " from alice as " + saved + ".");
                assertThat(Files.mismatch(file, saved)).as(reader.user()).isEqualTo(-1);
            }
            assertThat(blobs()).as("every reader downloaded both: nothing left").isEmpty();
        }
    }

    @Test
    void aFlippedByteATruncatedBlobAndAChunkFromAnotherFileAreRefusedAndNothingIsWrittenUnderTheName()
            throws Exception {
        Path one = withMarker(dir.resolve("one.txt"), 200_000, "one");
        Path two = withMarker(dir.resolve("two.txt"), 200_000, "two");
        Path three = withMarker(dir.resolve("three.txt"), 200_000, "three");
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob")) {
            Chats.open(alice, bob);
            for (Path f : List.of(one, two, three)) {
                alice.type("/send " + f);
                alice.awaitLine("[Spartan] Sent " + f.getFileName() + " (200 KB) to bob.");
            }
            bob.awaitLine("[alice] sent three.txt (200 KB): /save 3");
            List<Path> stored = blobsByAge();
            // one: a flipped byte; two: cut short; three: its first chunk replaced by one's (a chunk of another file)
            flipByte(stored.get(0), 100_000);
            try (var c = Files.newByteChannel(stored.get(1), StandardOpenOption.WRITE)) {
                c.truncate(Files.size(stored.get(1)) - 65_552);
            }
            byte[] chunk = new byte[65_536 + 16];
            try (InputStream in = Files.newInputStream(stored.get(0))) {
                in.skipNBytes(12);
                in.readNBytes(chunk, 0, chunk.length);
            }
            try (var c = Files.newByteChannel(stored.get(2), StandardOpenOption.WRITE)) {
                c.position(12);
                c.write(java.nio.ByteBuffer.wrap(chunk));
            }
            Path target = dir.resolve("saved");
            for (int n = 1; n <= 3; n++) {
                bob.type("/save " + n + " " + target);
            }
            // the server's own copy cut short: it says so (DATA_LOSS) rather than pass it on
            List<String> refusals = List.of(
                    "[Spartan] one.txt (200 KB) from alice failed its integrity check (",
                    "[Spartan] two.txt (200 KB) from alice not saved: ",
                    "[Spartan] three.txt (200 KB) from alice failed its integrity check (");
            for (String refused : refusals) {
                try {
                    Awaitility.await()
                            .atMost(OutputLines.PATIENCE)
                            .until(() -> bob.out().lines().stream()
                                    .anyMatch(l -> l.startsWith(refused) && l.contains("not saved")));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError(
                            "bob printed no \"" + refused + "\": " + bob.out().lines(), e);
                }
            }
            bob.type("/files");
            bob.awaitLine("[Spartan] 1. one.txt (200 KB) from alice: not saved (see above)");
            bob.awaitLine("[Spartan] 3. three.txt (200 KB) from alice: not saved (see above)");
            try (Stream<Path> left = Files.list(target)) {
                assertThat(left).as("nothing under any name, no leftovers").isEmpty();
            }
        }
    }

    @Test
    void anUploadKilledOrQuitMidwayResumesFromTheServersOffsetAndTheFileArrivesOnceByteIdentical() throws Exception {
        // A node that paces uploads at 1 MiB/s, so that a 3 MiB file is still on its way when the client stops.
        server.close();
        server = new TlsNode(
                dir.resolve("paced"),
                Files.readString(Path.of("config.yaml"))
                        + "rate_limit:\n  max_calls: 1000\n  window_seconds: 1\n"
                        + "attachments:\n  upload_bytes_per_second: 1048576\n");
        int size = 3 * 1024 * 1024;
        long blob = AttachmentCipher.ciphertextBytes(size);
        Path killed = withMarker(dir.resolve("killed.bin"), size, "killed");
        Path quit = withMarker(dir.resolve("quit.bin"), size, "quit");
        String shown = " (" + FileNames.size(size) + ")";
        try (ClientProcess bob = client("bob")) {
            try (ClientProcess alice = client("alice")) {
                Chats.open(alice, bob);
                alice.type("/send " + killed);
                long atKill = awaitUploadPast(blob * 4 / 10);
                alice.kill(); // SIGKILL: no shutdown hook, nothing flushed
                assertThat(alice.awaitExit()).isNotZero();
                try (ClientProcess again = client("alice")) {
                    long resumedAt = awaitResumed(again, "killed.bin");
                    assertThat(resumedAt).as("resumed where the server stood").isBetween(atKill, blob - 1);
                    again.awaitLine("[Spartan] Sent killed.bin" + shown + " to bob.");

                    again.type("bob");
                    again.awaitLine("[Spartan] You are now ready to chat with bob.");
                    again.type("/send " + quit);
                    awaitUploadPast(blob * 4 / 10);
                    again.type("/quit");
                    assertThat(again.awaitExit()).as("the client quit").isNotEqualTo(-1);
                }
            }
            try (ClientProcess third = client("alice")) {
                awaitResumed(third, "quit.bin");
                third.awaitLine("[Spartan] Sent quit.bin" + shown + " to bob.");
                bob.awaitLine("[alice] sent quit.bin" + shown + ": /save 2");
            }
            assertThat(bob.out().count("[alice] sent killed.bin" + shown + ": /save 1"))
                    .as("the killed upload's message arrived once")
                    .isEqualTo(1);
            assertThat(bob.out().lines()).filteredOn(l -> l.contains("/save 3")).isEmpty();
            assertThat(server.attachmentBytesUploaded())
                    .as("every byte of both blobs stored once: the resumed uploads sent nothing again")
                    .isEqualTo(2 * blob);
            bob.type("/save 1 " + dir.resolve("got"));
            bob.type("/save 2 " + dir.resolve("got"));
            bob.awaitLine(
                    "[Spartan] Saved killed.bin" + shown + " from alice as " + dir.resolve("got/killed.bin") + ".");
            bob.awaitLine("[Spartan] Saved quit.bin" + shown + " from alice as " + dir.resolve("got/quit.bin") + ".");
            assertThat(Files.mismatch(killed, dir.resolve("got/killed.bin"))).isEqualTo(-1);
            assertThat(Files.mismatch(quit, dir.resolve("got/quit.bin"))).isEqualTo(-1);
        }
    }

    /** Waits until the node holds more than {@code bytes} of an unfinished upload; returns how many it holds. */
    private long awaitUploadPast(long bytes) {
        return Awaitility.await()
                .atMost(OutputLines.PATIENCE)
                .pollInterval(java.time.Duration.ofMillis(10))
                .until(this::unfinishedUploadBytes, n -> n > bytes);
    }

    private long unfinishedUploadBytes() throws IOException {
        try (Stream<Path> all = Files.list(server.dataDir().resolve("attachments"))) {
            long most = 0;
            for (Path p : all.filter(p -> p.toString().endsWith(".part")).toList()) {
                most = Math.max(most, Files.size(p));
            }
            return most;
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        }
    }

    /** Waits for the client's line that it resumes {@code name}'s upload; returns the bytes the server held. */
    private static long awaitResumed(ClientProcess client, String name) {
        Pattern resumed = Pattern.compile("\\[Spartan] Resuming " + Pattern.quote(name)
                + " \\(.*\\) to bob at \\d+%: the server holds (\\d+) of \\d+ bytes\\.");
        String line = Awaitility.await()
                .atMost(OutputLines.PATIENCE)
                .until(
                        () -> client.out().lines().stream()
                                .filter(l -> resumed.matcher(l).matches())
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow();
        Matcher m = resumed.matcher(line);
        assertThat(m.matches()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** A file of {@code size} random bytes with {@code marker} written at its start, middle and end. */
    static Path withMarker(Path file, int size, String marker) throws IOException {
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        Random random = new Random(size);
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] block = new byte[1 << 16];
            for (long written = 0; written < size; ) {
                random.nextBytes(block);
                if (written == 0
                        || written + block.length >= size
                        || written == (long) (size / 2 / block.length) * block.length) {
                    System.arraycopy(m, 0, block, 0, m.length);
                }
                int n = (int) Math.min(block.length, size - written);
                out.write(block, 0, n);
                written += n;
            }
        }
        return file;
    }

    /** Searches every byte of every file under the node's data directory for {@code marker}. */
    private void assertNoStoredByteHolds(String marker) throws IOException {
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        List<Path> files;
        try (Stream<Path> all = Files.walk(server.dataDir())) {
            files = all.filter(Files::isRegularFile).toList();
        }
        assertThat(files).anyMatch(p -> p.toString().endsWith(".blob"));
        for (Path p : files) {
            assertThat(contains(p, m)).as("%s holds the marker", p).isFalse();
        }
    }

    static boolean contains(Path file, byte[] marker) throws IOException {
        byte[] buf = new byte[(1 << 20) + marker.length];
        int carry = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf, carry, buf.length - carry)) > 0) {
                int end = carry + n;
                for (int i = 0; i + marker.length <= end; i++) {
                    if (java.util.Arrays.equals(buf, i, i + marker.length, marker, 0, marker.length)) {
                        return true;
                    }
                }
                carry = Math.min(marker.length - 1, end);
                System.arraycopy(buf, end - carry, buf, 0, carry);
            }
        }
        return false;
    }

    private List<Path> blobs() throws IOException {
        Path d = server.dataDir().resolve("attachments");
        try (Stream<Path> all = Files.list(d)) {
            return all.filter(p -> p.toString().endsWith(".blob")).toList();
        }
    }

    private List<Path> blobsByAge() throws IOException {
        return blobs().stream()
                .sorted(java.util.Comparator.comparing(p -> {
                    try {
                        return Files.getLastModifiedTime(p);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }))
                .toList();
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (var c = Files.newByteChannel(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            c.position(at).read(b);
            b.put(0, (byte) (b.get(0) ^ 1)).rewind();
            c.position(at).write(b);
        }
    }
}
