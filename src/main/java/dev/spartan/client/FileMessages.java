package dev.spartan.client;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.proto.AttachmentPointer;
import java.util.Base64;
import java.util.Optional;

/**
 * A file message as it waits in the outbox and the message path, which carry text: a control line with the pointer.
 * Only here: on the wire it is {@code Plaintext.attachment}, with empty text (see {@link Envelopes}).
 */
final class FileMessages {
    static final String TYPE = DeliveryReceipt.CONTROL + "spartan/file/v1:";

    private FileMessages() {}

    static boolean isFile(String text) {
        return text.startsWith(TYPE);
    }

    static String encode(AttachmentPointer pointer) {
        return TYPE + Base64.getEncoder().encodeToString(pointer.toByteArray());
    }

    static Optional<AttachmentPointer> decode(String text) {
        if (!isFile(text)) {
            return Optional.empty();
        }
        try {
            return Optional.of(AttachmentPointer.parseFrom(Base64.getDecoder().decode(text.substring(TYPE.length()))));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
