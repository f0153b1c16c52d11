package dev.spartan.client.json;

import dev.spartan.client.Attachments;
import dev.spartan.client.FileEvents;
import dev.spartan.proto.AttachmentPointer;
import dev.spartan.proto.ChatRef;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Files in {@code --json} mode: each transfer as {@code file} events (sending, sent, received, saving, saved,
 * failed), {@code progress} events at each tenth, and /files as one {@code files} event.
 */
final class JsonFiles implements FileEvents {
    private final JsonOut out;
    private final Clock clock;
    private final String me;
    /** What each transfer in progress is about, by its key (an upload's message id, a download's blob id). */
    private final Map<String, JsonEvent.FileFacts> running = new ConcurrentHashMap<>();
    /** The last tenth each transfer's progress event reported: at most one event per tenth. */
    private final Map<String, Integer> tenths = new ConcurrentHashMap<>();

    JsonFiles(JsonOut out, Clock clock, String me) {
        this.out = out;
        this.clock = clock;
        this.me = me;
    }

    @Override
    public void sending(ChatRef chat, String messageId, AttachmentPointer file, int percent) {
        JsonEvent.FileFacts f = new JsonEvent.FileFacts(
                chat, me, file.getName(), messageId, 0, file.getSize(), file.getMediaType(), null);
        running.put(messageId, f);
        out.emit(JsonEvent.file(f, "sending").percent(percent).with("path", null, clock.millis()));
    }

    @Override
    public void sent(ChatRef chat, String messageId, AttachmentPointer file) {
        JsonEvent.FileFacts f = running.remove(messageId);
        tenths.remove(messageId);
        if (f != null) {
            out.emit(JsonEvent.file(f, "sent").with("path", null, clock.millis()));
        }
    }

    @Override
    public void received(Attachments.Entry file) {
        out.emit(JsonEvent.file(facts(file), "received").with("path", null, clock.millis()));
    }

    @Override
    public void saving(Attachments.Entry file, Path dir, int percent) {
        JsonEvent.FileFacts f = facts(file);
        running.put(f.blobId(), f);
        out.emit(JsonEvent.file(f, "saving").percent(percent).with("path", dir.toString(), clock.millis()));
    }

    @Override
    public void saved(Attachments.Entry file, Path path) {
        running.remove(file.pointer().getBlobId());
        tenths.remove(file.pointer().getBlobId());
        out.emit(JsonEvent.file(facts(file), "saved").with("path", path.toString(), clock.millis()));
    }

    @Override
    public void failed(String key, String why) {
        JsonEvent.FileFacts f = running.remove(key);
        tenths.remove(key);
        if (f != null) {
            out.emit(JsonEvent.file(f, "failed").with("reason", why, clock.millis()));
        }
    }

    @Override
    public void progress(String key, int percent) {
        JsonEvent.FileFacts f = running.get(key);
        if (f == null || percent >= 100) {
            return;
        }
        int tenth = percent / 10;
        if (tenth > tenths.getOrDefault(key, 0)) {
            tenths.put(key, tenth);
            out.emit(JsonEvent.progress(f.blobId() != null ? "blob" : "id", key, percent, clock.millis()));
        }
    }

    @Override
    public boolean showsTransfers() {
        return true;
    }

    /** The answer to /files in {@code chat}. */
    JsonEvent list(ChatRef chat, List<Attachments.Entry> files) {
        return JsonEvent.files(
                chat,
                files.stream().map(JsonFiles::facts).toList(),
                files.stream().map(Attachments.Entry::state).toList(),
                clock.millis());
    }

    private static JsonEvent.FileFacts facts(Attachments.Entry e) {
        AttachmentPointer p = e.pointer();
        return new JsonEvent.FileFacts(
                e.chat(), e.sender(), p.getName(), null, e.number(), p.getSize(), p.getMediaType(), p.getBlobId());
    }
}
