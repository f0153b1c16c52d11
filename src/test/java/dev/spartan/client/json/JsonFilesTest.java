package dev.spartan.client.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.AttachmentPointer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An upload in --json: sending, at most one progress event per tenth, then sent; nothing after its end. */
class JsonFilesTest {
    @Test
    void anUploadGivesSendingOneProgressPerTenthAndSent() {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        JsonOut out = new JsonOut(stdout);
        out.start();
        JsonFiles files = new JsonFiles(out, Clock.fixed(Instant.ofEpochMilli(9), ZoneOffset.UTC), "alice");
        AttachmentPointer p = AttachmentPointer.newBuilder()
                .setName("a.bin")
                .setSize(100)
                .setMediaType("application/octet-stream")
                .build();
        files.sending(ChatIds.toUser("bob"), "m1", p, 0);
        for (int percent : List.of(3, 9, 10, 14, 35, 99, 100)) {
            files.progress("m1", percent);
        }
        files.sent(ChatIds.toUser("bob"), "m1", p);
        files.progress("m1", 50); // after the end: nothing
        List<String> lines = List.of(stdout.toString(StandardCharsets.UTF_8).split("\n"));
        assertThat(lines)
                .extracting(l -> l.replaceAll(".*\"(state|percent)\":(\"\\w+\"|\\d+).*", "$1=$2"))
                .containsExactly("percent=0", "percent=10", "percent=35", "percent=99", "state=\"sent\"");
    }
}
