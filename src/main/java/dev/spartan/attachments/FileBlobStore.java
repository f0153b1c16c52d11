package dev.spartan.attachments;

import com.google.protobuf.ByteString;
import dev.spartan.store.proto.StoredAttachment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Blobs as files in {@code DATA/attachments}: {@code ID.part} while uploading, renamed to {@code ID.blob} once every
 * byte is synced to disk (the file, then the directory), before the upload is answered.
 */
public final class FileBlobStore implements BlobStore {
    private final Path dir;

    public FileBlobStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    public Path dir() {
        return dir;
    }

    private Path part(StoredAttachment b) {
        return dir.resolve(b.getBlobId() + ".part");
    }

    private Path blob(StoredAttachment b) {
        return dir.resolve(b.getBlobId() + ".blob");
    }

    @Override
    public long stored(StoredAttachment b) throws IOException {
        if (Files.exists(blob(b))) {
            return Files.size(blob(b));
        }
        return Files.exists(part(b)) ? Files.size(part(b)) : 0;
    }

    @Override
    public Writer writer(StoredAttachment b, Consumer<StoredAttachment> save) throws IOException {
        FileChannel channel = FileChannel.open(
                part(b), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return new Writer() {
            @Override
            public void write(ByteString data) throws IOException {
                for (var buffer : data.asReadOnlyByteBufferList()) {
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
            }

            @Override
            public StoredAttachment complete() throws IOException {
                channel.force(true);
                channel.close();
                try {
                    Files.move(part(b), blob(b), StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(part(b), blob(b), StandardCopyOption.REPLACE_EXISTING);
                }
                syncDirectory();
                return b.toBuilder().setComplete(true).build();
            }

            @Override
            public void close() throws IOException {
                if (channel.isOpen()) {
                    channel.force(false);
                    channel.close();
                }
            }
        };
    }

    private void syncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the file itself is synced already.
        }
    }

    @Override
    public InputStream read(StoredAttachment b, long offset) throws IOException {
        FileChannel channel = FileChannel.open(blob(b), StandardOpenOption.READ);
        channel.position(offset);
        return Channels.newInputStream(channel);
    }

    @Override
    public void delete(StoredAttachment b) throws IOException {
        Files.deleteIfExists(part(b));
        Files.deleteIfExists(blob(b));
    }
}
