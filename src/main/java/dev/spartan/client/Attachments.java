package dev.spartan.client;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.AttachmentCipher;
import dev.spartan.proto.AttachmentPointer;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Plaintext;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Files in chats, on the client: /send encrypts a file (PROTOCOL.md, "Attachments"), uploads the blob and then sends
 * its pointer as a message; /save downloads, checks and decrypts one. Both survive a quit, a lost connection or a
 * kill: an upload is a job on disk ({@code KEYS/files/out}) until its message is in the durable outbox, a download a
 * partial file in the target folder, and both go on from where the server or the file stopped.
 */
public final class Attachments implements AutoCloseable {
    /** What the client gives this class. */
    public interface Host {
        /** The channel of the current session (its calls carry the token), or null while not connected. */
        Channel channel();

        /** Queues the file's message in the durable outbox under {@code messageId}. */
        void sendFile(ChatRef to, String messageId, AttachmentPointer pointer, String shown);

        void notice(String text);
    }

    /** A file of a chat, as /files lists it. */
    public record Entry(int number, String sender, ChatRef chat, AttachmentPointer pointer, String state) {}

    /** How long the end of piped input waits for a transfer that moves no byte before it quits all the same. */
    public static final long STALL_MILLIS = 30_000;

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Path out;
    private final Path in;
    private final Host host;
    private volatile FileEvents events = FileEvents.NONE;
    /** Uploads whose line this run has shown already (a retry of one goes on under the same line). */
    private final Set<String> shown = ConcurrentHashMap.newKeySet();

    private final ScheduledExecutorService workers = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "spartan-files");
        t.setDaemon(true);
        return t;
    });
    private final Map<ChatRef, List<Entry>> files = new ConcurrentHashMap<>();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    /** When a transfer last moved a byte (nanoTime): the end of piped input waits while they move. */
    private volatile long lastMoved = System.nanoTime();
    /** What became of each received file in this run (saving, saved as ..., not saved: ...), by blob id. */
    private final Map<String, String> states = new ConcurrentHashMap<>();

    public Attachments(Path keysDir, Host host) {
        this.out = keysDir.resolve("files").resolve("out");
        this.in = keysDir.resolve("files").resolve("in");
        this.host = host;
        try {
            Files.createDirectories(out);
            Files.createDirectories(in);
            loadReceived();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use " + keysDir.resolve("files") + ": " + e.getMessage(), e);
        }
    }

    /** Who hears of transfers besides the notices (a terminal's progress lines, --json's events); before connect. */
    public void watch(FileEvents events) {
        this.events = events;
    }

    // ------------------------------------------------------------------------------------------------ sending

    /** A /send that started: the id its message will have, and the line to show on a pipe. */
    public record Sending(String messageId, AttachmentPointer file, String line) {}

    /**
     * Starts sending {@code file} to {@code chat}: on disk as a job when this returns, then encrypted, uploaded and
     * sent in the background.
     */
    public Sending send(ChatRef chat, Path file) throws IOException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IOException("cannot read " + file + ": not a readable file");
        }
        long size = Files.size(file);
        AttachmentCipher.FileKey key = AttachmentCipher.FileKey.random(RANDOM);
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        String blobId = HexFormat.of().formatHex(id);
        String name = FileNames.sanitise(String.valueOf(file.getFileName()));
        AttachmentPointer pointer = AttachmentPointer.newBuilder()
                .setBlobId(blobId)
                .setKey(ByteString.copyFrom(key.key()))
                .setNoncePrefix(ByteString.copyFrom(key.noncePrefix()))
                .setSize(size)
                .setName(name)
                .setMediaType(mediaType(file))
                .build();
        Plaintext job = Plaintext.newBuilder()
                .setMessageId(UUID.randomUUID().toString())
                .setChat(chat)
                .setAttachment(pointer)
                .setText(file.toAbsolutePath().toString())
                .build();
        writeAtomically(out.resolve(blobId + ".job"), job.toByteArray());
        shown.add(job.getMessageId());
        events.sending(chat, job.getMessageId(), pointer, 0);
        start(job);
        return new Sending(
                job.getMessageId(), pointer, name + " (" + FileNames.size(size) + ") to " + label(chat) + ": sending.");
    }

    /** Goes on with every job a previous run left: uploads, and messages not yet in the outbox. */
    public void resume() {
        try (DirectoryStream<Path> jobs = Files.newDirectoryStream(out, "*.job")) {
            for (Path p : jobs) {
                start(Plaintext.parseFrom(Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            host.notice("Cannot read the files still to send in " + out + ": " + e.getMessage());
        }
        try (DirectoryStream<Path> saves = Files.newDirectoryStream(in, "*.save")) {
            for (Path p : saves) {
                String blobId = p.getFileName().toString().replace(".save", "");
                Path dir = Path.of(Files.readString(p));
                entryOf(blobId).ifPresent(e -> startSave(e, dir));
            }
        } catch (IOException e) {
            host.notice("Cannot read the files still to save in " + in + ": " + e.getMessage());
        }
    }

    private void start(Plaintext job) {
        if (running.add(job.getAttachment().getBlobId())) {
            workers.execute(() -> upload(job, 0));
        }
    }

    private void upload(Plaintext job, int attempt) {
        AttachmentPointer p = job.getAttachment();
        String blobId = p.getBlobId();
        Path blob = out.resolve(blobId + ".blob");
        String shown = p.getName() + " (" + FileNames.size(p.getSize()) + ")";
        try {
            if (p.getCiphertextSha256().isEmpty()
                    || !Files.exists(blob)
                    || Files.size(blob) != AttachmentCipher.ciphertextBytes(p.getSize())) {
                p = encrypt(job, blob);
                job = job.toBuilder().setAttachment(p).build();
                writeAtomically(out.resolve(blobId + ".job"), job.toByteArray());
            }
            Channel channel = host.channel();
            if (channel == null) {
                throw Status.UNAVAILABLE.withDescription("not connected").asRuntimeException();
            }
            long total = Files.size(blob);
            Plaintext now = job;
            AttachmentPointer file = p;
            Percent percent = new Percent(total, n -> events.progress(now.getMessageId(), n));
            boolean[] first = {true};
            new BlobTransfer(channel).upload(blobId, job.getChat(), blob, n -> {
                if (first[0]) {
                    first[0] = false;
                    begun(now, file, n, total);
                }
                moved();
                percent.at(n);
            });
            host.sendFile(job.getChat(), job.getMessageId(), p, "sent " + shown);
            Files.deleteIfExists(out.resolve(blobId + ".job"));
            Files.deleteIfExists(blob);
            finished(blobId);
            events.sent(job.getChat(), job.getMessageId(), p);
            if (!events.showsTransfers()) {
                host.notice("Sent " + shown + " to " + label(job.getChat()) + ".");
            }
        } catch (StatusRuntimeException e) {
            if (retryable(e.getStatus().getCode())) {
                Plaintext again = job;
                var unused =
                        workers.schedule(() -> upload(again, attempt + 1), Math.min(10, 1 + attempt), TimeUnit.SECONDS);
                return;
            }
            giveUp(job, shown + " not sent: " + Refusals.describe(e));
        } catch (IOException | RuntimeException e) {
            giveUp(job, shown + " not sent: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean retryable(Status.Code code) {
        return code == Status.Code.UNAVAILABLE
                || code == Status.Code.CANCELLED
                || code == Status.Code.ABORTED
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.UNAUTHENTICATED
                || code == Status.Code.INTERNAL;
    }

    /**
     * The server answered where the upload stands: the first time in this run, its line is shown; an upload the
     * server holds part of says where it goes on from (the bytes before are not sent again).
     */
    private void begun(Plaintext job, AttachmentPointer file, long held, long total) {
        int percent = Percent.of(held, total);
        if (shown.add(job.getMessageId())) {
            events.sending(job.getChat(), job.getMessageId(), file, percent);
        }
        if (held > 0 && held < total) {
            host.notice("Resuming " + file.getName() + " (" + FileNames.size(file.getSize()) + ") to "
                    + label(job.getChat()) + " at " + percent + "%: the server holds " + held + " of " + total
                    + " bytes.");
        }
    }

    private void giveUp(Plaintext job, String why) {
        String blobId = job.getAttachment().getBlobId();
        finished(blobId);
        events.failed(job.getMessageId(), why);
        try {
            Files.deleteIfExists(out.resolve(blobId + ".job"));
            Files.deleteIfExists(out.resolve(blobId + ".blob"));
        } catch (IOException e) {
            // left for the next start, which tries again
        }
        host.notice(why);
    }

    /** Encrypts the job's file into {@code blob} (the same bytes every time: the key and prefix are the job's). */
    private static AttachmentPointer encrypt(Plaintext job, Path blob) throws IOException {
        AttachmentPointer p = job.getAttachment();
        Path source = Path.of(job.getText());
        if (Files.size(source) != p.getSize()) {
            throw new IOException(source + " changed since /send (it is " + Files.size(source) + " bytes now)");
        }
        AttachmentCipher.FileKey key = new AttachmentCipher.FileKey(
                p.getKey().toByteArray(), p.getNoncePrefix().toByteArray());
        try (InputStream i = Files.newInputStream(source);
                OutputStream o = Files.newOutputStream(blob)) {
            AttachmentCipher.Sealed s = AttachmentCipher.encrypt(key, i, p.getSize(), o);
            return p.toBuilder().setCiphertextSha256(s.sha256()).build();
        }
    }

    // ------------------------------------------------------------------------------------------------ receiving

    /** A file message arrived: it gets the next number of its chat; returns the line to show for it. */
    public String received(String sender, ChatRef chat, AttachmentPointer pointer) {
        AttachmentPointer safe = pointer.toBuilder()
                .setName(FileNames.sanitise(pointer.getName()))
                .build();
        Entry e = add(sender, chat, safe, "not saved");
        events.received(e);
        try (OutputStream o =
                Files.newOutputStream(in.resolve("received"), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            Plaintext.newBuilder()
                    .setText(sender)
                    .setChat(chat)
                    .setAttachment(safe)
                    .build()
                    .writeDelimitedTo(o);
        } catch (IOException ex) {
            host.notice("Cannot remember the file " + safe.getName() + " in " + in + ": " + ex.getMessage());
        }
        return "sent " + safe.getName() + " (" + FileNames.size(safe.getSize()) + "): /save " + e.number();
    }

    private Entry add(String sender, ChatRef chat, AttachmentPointer p, String state) {
        List<Entry> list = files.computeIfAbsent(chat, c -> new ArrayList<>());
        synchronized (list) {
            Entry e = new Entry(list.size() + 1, sender, chat, p, state);
            list.add(e);
            return e;
        }
    }

    private void loadReceived() throws IOException {
        Path list = in.resolve("received");
        if (!Files.exists(list)) {
            return;
        }
        try (InputStream i = Files.newInputStream(list)) {
            Plaintext r;
            while ((r = Plaintext.parseDelimitedFrom(i)) != null) {
                add(r.getText(), r.getChat(), r.getAttachment(), "not saved");
            }
        }
    }

    private java.util.Optional<Entry> entryOf(String blobId) {
        return files.values().stream()
                .flatMap(List::stream)
                .filter(e -> e.pointer().getBlobId().equals(blobId))
                .findFirst();
    }

    /** The files received in {@code chat}, numbered as /save takes them. */
    public List<Entry> files(ChatRef chat) {
        List<Entry> list = files.getOrDefault(chat, List.of());
        synchronized (list) {
            return list.stream()
                    .map(e -> new Entry(
                            e.number(),
                            e.sender(),
                            e.chat(),
                            e.pointer(),
                            states.getOrDefault(e.pointer().getBlobId(), e.state())))
                    .toList();
        }
    }

    /** /save N [DIR]: the line to show now; the file is saved in the background. */
    public String save(ChatRef chat, int number, Path dir) throws IOException {
        List<Entry> list = files(chat);
        if (number < 1 || number > list.size()) {
            throw new IOException("there is no file " + number + " in this chat (/files lists them)");
        }
        Entry e = list.get(number - 1);
        Files.createDirectories(dir);
        writeAtomically(
                in.resolve(e.pointer().getBlobId() + ".save"),
                dir.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        startSave(e, dir);
        return e.pointer().getName() + " (" + FileNames.size(e.pointer().getSize()) + "): saving to " + dir + ".";
    }

    private void startSave(Entry e, Path dir) {
        String blobId = e.pointer().getBlobId();
        if (running.add(blobId)) {
            states.put(blobId, "saving to " + dir);
            workers.execute(() -> download(e, dir, 0));
        }
    }

    private void download(Entry e, Path dir, int attempt) {
        AttachmentPointer p = e.pointer();
        String blobId = p.getBlobId();
        String shown = p.getName() + " (" + FileNames.size(p.getSize()) + ") from " + e.sender();
        Path partial = dir.resolve("." + blobId + ".part");
        Path plain = dir.resolve("." + blobId + ".tmp");
        try {
            Channel channel = host.channel();
            if (channel == null) {
                throw Status.UNAVAILABLE.withDescription("not connected").asRuntimeException();
            }
            long blobSize = AttachmentCipher.ciphertextBytes(p.getSize());
            Percent percent = new Percent(blobSize, n -> events.progress(blobId, n));
            boolean[] first = {attempt == 0};
            new BlobTransfer(channel).download(blobId, partial, n -> {
                if (first[0]) {
                    first[0] = false;
                    events.saving(e, dir, Percent.of(n, blobSize));
                }
                moved();
                percent.at(n);
            });
            Path saved = check(p, partial, plain, dir);
            Files.deleteIfExists(in.resolve(blobId + ".save"));
            finished(blobId);
            states.put(blobId, "saved as " + saved);
            events.saved(e, saved);
            host.notice("Saved " + shown + " as " + saved + ".");
        } catch (StatusRuntimeException ex) {
            if (retryable(ex.getStatus().getCode())) {
                var unused = workers.schedule(
                        () -> download(e, dir, attempt + 1), Math.min(10, 1 + attempt), TimeUnit.SECONDS);
                return;
            }
            endSave(blobId, partial, plain, shown + " not saved: " + Refusals.describe(ex));
        } catch (AttachmentCipher.IntegrityException ex) {
            endSave(
                    blobId,
                    partial,
                    plain,
                    shown + " failed its integrity check (" + ex.getMessage() + "): not saved.");
        } catch (IOException | RuntimeException ex) {
            endSave(blobId, partial, plain, shown + " not saved: " + ex.getMessage());
        }
    }

    private void endSave(String blobId, Path partial, Path plain, String why) {
        finished(blobId);
        events.failed(blobId, why);
        states.put(blobId, "not saved (see above)");
        try {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(plain);
            Files.deleteIfExists(in.resolve(blobId + ".save"));
        } catch (IOException e) {
            // a leftover hidden file; the next /save of it starts over
        }
        host.notice(why);
    }

    /** Checks the blob's size and hash, decrypts it beside, and only then gives it the file's name. */
    private static Path check(AttachmentPointer p, Path partial, Path plain, Path dir)
            throws IOException, AttachmentCipher.IntegrityException {
        long expected = AttachmentCipher.ciphertextBytes(p.getSize());
        if (Files.size(partial) != expected) {
            throw new AttachmentCipher.IntegrityException(
                    "the server's blob is " + Files.size(partial) + " bytes, the sender's " + expected);
        }
        MessageDigest sha = AttachmentCipher.sha256();
        try (InputStream i = Files.newInputStream(partial)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = i.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        if (!MessageDigest.isEqual(sha.digest(), p.getCiphertextSha256().toByteArray())) {
            throw new AttachmentCipher.IntegrityException("its SHA-256 is not the one the sender sent");
        }
        AttachmentCipher.FileKey key = new AttachmentCipher.FileKey(
                p.getKey().toByteArray(), p.getNoncePrefix().toByteArray());
        try (InputStream i = Files.newInputStream(partial);
                OutputStream o = Files.newOutputStream(plain)) {
            AttachmentCipher.decrypt(key, i, p.getSize(), o);
        }
        Path saved = FileNames.moveToFree(plain, dir, p.getName());
        Files.delete(partial);
        return saved;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String label(ChatRef chat) {
        return chat.hasGroup() ? chat.getGroup() : chat.getUser();
    }

    private static String mediaType(Path file) {
        try {
            String t = Files.probeContentType(file);
            return t == null ? "application/octet-stream" : t;
        } catch (IOException e) {
            return "application/octet-stream";
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try (var c = java.nio.channels.FileChannel.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            c.write(java.nio.ByteBuffer.wrap(bytes));
            c.force(true);
        }
        Files.move(
                temp,
                target,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether the front end shows each transfer as a line of its own (then /send and /save print none). */
    public boolean showsTransfers() {
        return events.showsTransfers();
    }

    /** Whether a transfer is still running (a pipe waits for them before it quits). */
    public boolean busy() {
        return !running.isEmpty();
    }

    /**
     * At the end of piped input: waits while transfers run and move, so that a script's /send and /save finish
     * before the client quits; gives up once none moved for {@code stallMillis} (the next start goes on with them).
     *
     * @return whether none is left
     */
    public boolean awaitIdle(long stallMillis) {
        synchronized (running) {
            while (busy()) {
                long still = stallMillis - (System.nanoTime() - lastMoved) / 1_000_000;
                if (still <= 0) {
                    return false;
                }
                try {
                    running.wait(Math.min(still, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private void finished(String blobId) {
        synchronized (running) {
            running.remove(blobId);
            running.notifyAll();
        }
    }

    private void moved() {
        lastMoved = System.nanoTime();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
