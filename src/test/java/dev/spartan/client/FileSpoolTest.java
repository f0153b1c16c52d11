package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.contract.ChatIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSpoolTest {
    @TempDir
    Path keys;

    private final List<String> warnings = new ArrayList<>();

    private FileSpool spool() {
        return new FileSpool(keys, warnings::add);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(keys.resolve("outbox"))) {
            return s.sorted().toList();
        }
    }

    @Test
    void messagesComeBackInTheOrderTheyWereSavedWithTheirIdsAndText() {
        FileSpool spool = spool();
        spool.save(new Outbox.Pending("id-1", ChatIds.toUser("bob"), "first\nline two", 1000), false);
        spool.save(new Outbox.Pending("id-2", ChatIds.toGroup("group1"), "second", 2000), false);
        spool.save(new Outbox.Pending("id-3", ChatIds.toUser("bob"), "third", 3000), false);
        spool.remove("id-2");
        spool.save(new Outbox.Pending("id-3", ChatIds.toUser("bob"), "third", 3000), true); // held now

        List<Spool.Entry> back = spool().load();
        assertThat(back).extracting(e -> e.pending().messageId()).containsExactly("id-1", "id-3");
        assertThat(back.get(0).pending())
                .isEqualTo(new Outbox.Pending("id-1", ChatIds.toUser("bob"), "first\nline two", 1000));
        assertThat(back.get(0).held()).isFalse();
        assertThat(back.get(1).held()).isTrue();
        assertThat(warnings).isEmpty();
    }

    @Test
    void filesAreOwnerOnlyAndNoTempFileIsLeft() throws IOException {
        FileSpool spool = spool();
        spool.save(new Outbox.Pending("id-1", ChatIds.toUser("bob"), "secret", 1), false);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("outbox"))))
                .isEqualTo("rwx------");
        assertThat(files()).hasSize(1);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files().get(0))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(files().get(0)))
                .isEqualTo("spartan-outbox/1\nid: id-1\nto: @bob\nqueued-at: 1\nheld: no\n\nsecret");
    }

    @Test
    void aNewSpoolNumbersAfterWhatIsThere() {
        FileSpool first = spool();
        first.save(new Outbox.Pending("a", ChatIds.toUser("bob"), "a", 1), false);
        FileSpool second = spool();
        second.load();
        second.save(new Outbox.Pending("b", ChatIds.toUser("bob"), "b", 2), false);
        assertThat(spool().load()).extracting(e -> e.pending().text()).containsExactly("a", "b");
    }

    @Test
    void anUnreadableFileIsSetAsideAndReportedAndAnInterruptedWriteIsDropped() throws IOException {
        FileSpool spool = spool();
        spool.save(new Outbox.Pending("good", ChatIds.toUser("bob"), "fine", 1), false);
        Files.writeString(keys.resolve("outbox/0000000000000007.msg"), "garbage");
        Files.writeString(keys.resolve("outbox/0000000000000008.msg12345.tmp"), "half");
        List<Spool.Entry> back = spool().load();
        assertThat(back).extracting(e -> e.pending().messageId()).containsExactly("good");
        assertThat(warnings).singleElement().asString().contains("set aside");
        assertThat(keys.resolve("outbox/0000000000000007.msg.unreadable")).exists();
        assertThat(keys.resolve("outbox/0000000000000008.msg12345.tmp")).doesNotExist();
    }

    @Test
    void nothingIsCreatedUntilAMessageIsSaved() {
        assertThat(spool().load()).isEmpty();
        assertThat(keys.resolve("outbox")).doesNotExist();
    }

    @Test
    void aSpoolThatCannotWriteSaysSo() throws IOException {
        Files.writeString(keys.resolve("outbox"), "a file where the directory should be");
        assertThatThrownBy(() -> spool().save(new Outbox.Pending("x", ChatIds.toUser("bob"), "x", 1), false))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot save the message");
    }
}
