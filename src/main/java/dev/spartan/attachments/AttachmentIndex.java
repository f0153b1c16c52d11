package dev.spartan.attachments;

import dev.spartan.store.proto.StoredAttachment;
import java.util.List;
import java.util.Optional;

/** The attachments' metadata (owner, size, readers, expiry, progress): never their bytes. */
public interface AttachmentIndex {
    Optional<StoredAttachment> get(String blobId);

    void put(StoredAttachment record);

    void delete(String blobId);

    List<StoredAttachment> all();

    /** The bytes {@code owner}'s blobs, stored or in progress, take. */
    default long usedBy(String owner) {
        return all().stream()
                .filter(a -> a.getOwner().equals(owner))
                .mapToLong(StoredAttachment::getSize)
                .sum();
    }
}
