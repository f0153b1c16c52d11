package dev.spartan.client.tui;

import dev.spartan.client.Attachments;
import dev.spartan.client.FileEvents;
import dev.spartan.client.FileNames;
import dev.spartan.client.SendState;
import dev.spartan.proto.AttachmentPointer;
import dev.spartan.proto.ChatRef;
import java.nio.file.Path;

/**
 * Transfers on a terminal: each is one line whose progress figure is rewritten in place (never a line per step, so
 * the prompt and what is typed on it stay where they are). An upload's line is its message's own line
 * ({@code [alice → bob] report.pdf (1.2 MB) 45%}) and takes the message's delivery marks; a download's is a notice
 * ({@code report.pdf (1.2 MB) from bob: saving to DIR 45%}), followed by the {@code Saved ... as PATH.} notice.
 */
final class FileLines implements FileEvents {
    private final Transcript transcript;

    FileLines(Transcript transcript) {
        this.transcript = transcript;
    }

    @Override
    public void sending(ChatRef chat, String messageId, AttachmentPointer file, int percent) {
        transcript.sendingFile(chat, messageId, shown(file), percent);
    }

    @Override
    public void saving(Attachments.Entry file, Path dir, int percent) {
        transcript.noticeWithProgress(
                file.pointer().getBlobId(),
                shown(file.pointer()) + " from " + file.sender() + ": saving to " + dir,
                percent);
    }

    @Override
    public void progress(String key, int percent) {
        transcript.progress(key, percent);
    }

    @Override
    public void failed(String key, String why) {
        transcript.state(key, SendState.FAILED); // an upload's mark; a download's key has none, and nothing changes
    }

    @Override
    public boolean showsTransfers() {
        return true;
    }

    private static String shown(AttachmentPointer file) {
        return file.getName() + " (" + FileNames.size(file.getSize()) + ")";
    }
}
