package dev.spartan.client;

import dev.spartan.proto.AttachmentPointer;
import dev.spartan.proto.ChatRef;
import java.nio.file.Path;

/**
 * What a front end hears of file transfers besides the client's notices: a terminal draws one line per transfer and
 * rewrites its figure in place ({@code client.tui.FileLines}); {@code --json} reports {@code file} events. A pipe
 * listens to none of it and gets the notices alone (one line per file, when it is done).
 */
public interface FileEvents {
    FileEvents NONE = new FileEvents() {};

    /**
     * An upload begins in this run (a new /send, or one a previous run left, resumed at {@code percent}).
     * {@code messageId} is the id its message will have, so that its line can take the message's delivery marks.
     */
    default void sending(ChatRef chat, String messageId, AttachmentPointer file, int percent) {}

    /** The upload is complete and its message is in the durable outbox: receipts for {@code messageId} follow. */
    default void sent(ChatRef chat, String messageId, AttachmentPointer file) {}

    /** A file message arrived and got its number in the chat. */
    default void received(Attachments.Entry file) {}

    /** A download begins (a /save, or one a previous run left), at {@code percent}. */
    default void saving(Attachments.Entry file, Path dir, int percent) {}

    /** The file was checked, decrypted and written to {@code path}. */
    default void saved(Attachments.Entry file, Path path) {}

    /** A transfer ended without the file sent or saved; the client's notice says why. */
    default void failed(String key, String why) {}

    /**
     * A transfer moved on, in whole percent (told only when the figure changes). {@code key} is an upload's message
     * id or a download's blob id.
     */
    default void progress(String key, int percent) {}

    /**
     * Whether this front end shows each transfer as a line of its own (an upload's at 100% with its delivery marks):
     * then /send and /save print no line of their own, and an upload's end no notice.
     */
    default boolean showsTransfers() {
        return false;
    }
}
