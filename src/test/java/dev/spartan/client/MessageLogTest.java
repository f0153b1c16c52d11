package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.ChatIds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageLogTest {
    @TempDir
    Path dir;

    private static Incoming fromBob(String id, String text) {
        return new Incoming(id, "bob", ChatIds.toUser("alice"), "bob", text, 0, 1_764_000_000_000L);
    }

    @Test
    void whatWasLoggedIsFoundAfterARestartAndATornLastLineIsSkipped() throws Exception {
        MessageLog log = new MessageLog(dir);
        log.add(fromBob("m1", "hello\tthere\nsecond line"));
        log.add(new Incoming("m2", "alice", ChatIds.toGroup("team"), "team", "to the team", 0, 5));
        Files.writeString(
                dir.resolve(MessageLog.FILE), "m1\tm3\tbob", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        MessageLog again = new MessageLog(dir);
        assertThat(again.find("m1")).hasValueSatisfying(m -> {
            assertThat(m.text()).isEqualTo("hello\tthere\nsecond line");
            assertThat(m.sender()).isEqualTo("bob");
            assertThat(m.chat()).isEqualTo(ChatIds.toUser("alice"));
        });
        assertThat(again.find("m2"))
                .hasValueSatisfying(m -> assertThat(m.isGroup()).isTrue());
        assertThat(again.find("m3")).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(MessageLog.FILE))))
                .isEqualTo("rw-------");
    }

    @Test
    void aMessageRemovedBeforeItWasAddedDoesNotComeBack() throws Exception {
        MessageLog log = new MessageLog(dir);
        assertThat(log.remove("m9")).isFalse(); // its timer ran first
        assertThat(log.add(new Incoming("m9", "bob", ChatIds.toUser("alice"), "bob", "late", 0, 1)))
                .isFalse();
        assertThat(log.find("m9")).isEmpty();
        assertThat(log.add(new Incoming("m10", "bob", ChatIds.toUser("alice"), "bob", "kept", 0, 1)))
                .isTrue();
    }

    @Test
    void onlyTheLastMessagesOfEachConversationAreKept() throws Exception {
        MessageLog log = new MessageLog(dir);
        for (int i = 0; i < MessageLog.KEEP + 10; i++) {
            log.add(fromBob("m" + i, "text " + i));
        }
        log.add(new Incoming("g", "alice", ChatIds.toGroup("team"), "team", "kept", 0, 5));
        MessageLog again = new MessageLog(dir);
        assertThat(again.find("m9")).isEmpty();
        assertThat(again.find("m10")).isPresent();
        assertThat(again.find("g")).isPresent();
        assertThat(Files.readAllLines(dir.resolve(MessageLog.FILE))).hasSize(MessageLog.KEEP + 1);
    }
}
