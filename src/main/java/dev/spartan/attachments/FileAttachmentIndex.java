package dev.spartan.attachments;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.store.proto.StoredAttachment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded node's attachment records: one small file {@code ID.meta} beside each blob (written to a temporary
 * file, synced and renamed, so a crash leaves the old record or the new one), read into memory at start.
 */
public final class FileAttachmentIndex implements AttachmentIndex {
    private final Path dir;
    private final Map<String, StoredAttachment> records = new ConcurrentHashMap<>();

    public FileAttachmentIndex(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        try (DirectoryStream<Path> metas = Files.newDirectoryStream(dir, "*.meta")) {
            for (Path p : metas) {
                try {
                    StoredAttachment a = StoredAttachment.parseFrom(Files.readAllBytes(p));
                    records.put(a.getBlobId(), a);
                } catch (InvalidProtocolBufferException e) {
                    throw new IOException("the attachment record " + p + " is damaged: " + e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public Optional<StoredAttachment> get(String blobId) {
        return Optional.ofNullable(records.get(blobId));
    }

    @Override
    public void put(StoredAttachment record) {
        Path target = dir.resolve(record.getBlobId() + ".meta");
        Path temp = dir.resolve(record.getBlobId() + ".meta.tmp");
        try {
            Files.write(temp, record.toByteArray());
            try (FileChannel c = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the attachment record " + target, e);
        }
        records.put(record.getBlobId(), record);
    }

    @Override
    public void delete(String blobId) {
        records.remove(blobId);
        try {
            Files.deleteIfExists(dir.resolve(blobId + ".meta"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<StoredAttachment> all() {
        return new ArrayList<>(records.values());
    }
}
