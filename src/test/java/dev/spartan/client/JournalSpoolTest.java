package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.contract.ChatIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSpoolTest {
    @TempDir
    Path keys;

    private final List<String> warnings = new ArrayList<>();

    private JournalSpool spool() {
        JournalSpool spool = new JournalSpool(keys, warnings::add);
        spool.load();
        return spool;
    }

    private Path journal() {
        return keys.resolve("outbox/journal");
    }

    private static Outbox.Pending message(String id, String text) {
        return new Outbox.Pending(id, ChatIds.toUser("bob"), text, 1000);
    }

    private List<String> ids() {
        return new JournalSpool(keys, warnings::add)
                .load().stream().map(e -> e.pending().messageId()).toList();
    }

    @Test
    void messagesComeBackInTheOrderSavedWithTheirIdsTextAndHeldMark() throws IOException {
        JournalSpool spool = spool();
        spool.save(new Outbox.Pending("id-1", ChatIds.toUser("bob"), "first\nline two ü", 1000), false);
        spool.save(new Outbox.Pending("id-2", ChatIds.toGroup("group1"), "second", 2000), false);
        spool.save(new Outbox.Pending("id-3", ChatIds.toUser("bob"), "third", 3000), false);
        spool.remove("id-2");
        spool.save(new Outbox.Pending("id-3", ChatIds.toUser("bob"), "third", 3000), true); // held now
        spool.sync();

        List<Spool.Entry> back = new JournalSpool(keys, warnings::add).load();
        assertThat(back).extracting(e -> e.pending().messageId()).containsExactly("id-1", "id-3");
        assertThat(back.get(0).pending())
                .isEqualTo(new Outbox.Pending("id-1", ChatIds.toUser("bob"), "first\nline two ü", 1000));
        assertThat(back.get(0).held()).isFalse();
        assertThat(back.get(1).held()).isTrue();
        assertThat(JournalSpool.read(keys))
                .containsExactly(
                        new JournalSpool.Queued("id-1", ChatIds.toUser("bob"), "first\nline two ü", false),
                        new JournalSpool.Queued("id-3", ChatIds.toUser("bob"), "third", true));
        assertThat(warnings).isEmpty();
    }

    @Test
    void aSaveIsInTheFileWhenItReturnsBeforeAnySyncAsAKilledProcessLeavesIt() throws IOException {
        spool().save(message("a", "typed"), false); // never synced, never closed
        assertThat(JournalSpool.read(keys))
                .extracting(JournalSpool.Queued::text)
                .containsExactly("typed");
    }

    @Test
    void theJournalIsOwnerOnlyAndNothingIsCreatedUntilAMessageIsSaved() throws IOException {
        assertThat(spool().load()).isEmpty();
        assertThat(keys.resolve("outbox")).doesNotExist();
        spool().save(message("a", "secret"), false);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("outbox"))))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journal())))
                .isEqualTo("rw-------");
        try (Stream<Path> files = Files.list(keys.resolve("outbox"))) {
            assertThat(files).containsExactly(journal()); // no temp file left
        }
    }

    @Test
    void aRecordTornByACrashIsIgnoredAndWhatFollowsItIsKept() throws IOException {
        JournalSpool spool = spool();
        spool.save(message("a", "whole"), false);
        spool.save(message("b", "torn"), false);
        byte[] all = Files.readAllBytes(journal());
        Files.write(journal(), Arrays.copyOf(all, all.length - 3)); // the crash cut b's last bytes

        JournalSpool after = spool();
        assertThat(ids()).containsExactly("a");
        after.save(message("c", "after the crash"), false);
        assertThat(ids()).containsExactly("a", "c");
        assertThat(warnings).isEmpty(); // a torn last record is what a crash leaves: nothing to report
    }

    @Test
    void aDamagedRecordBeforeOthersIsReportedWithACopyKept() throws IOException {
        JournalSpool spool = spool();
        spool.save(message("a", "whole"), false);
        long end = Files.size(journal());
        spool.save(message("b", "flipped"), false);
        spool.save(message("c", "after"), false);
        byte[] all = Files.readAllBytes(journal());
        all[(int) end + 12] ^= 1; // inside b's payload: its CRC fails, c follows
        Files.write(journal(), all);

        assertThat(ids()).containsExactly("a");
        assertThat(warnings).singleElement().asString().contains("damaged");
        assertThat(keys.resolve("outbox/journal.damaged")).hasBinaryContent(all);
    }

    @Test
    void aJournalMostlyOfSentMessagesIsRewrittenWithTheLiveOnes() throws IOException {
        JournalSpool spool = spool();
        String text = "x".repeat(200);
        long largest = 0;
        for (int i = 0; i < 1000; i++) {
            spool.save(message("m" + i, text), false);
            if (i % 100 != 0) {
                spool.remove("m" + (i - 1)); // every hundredth stays
            }
            largest = Math.max(largest, Files.size(journal()));
        }
        spool.sync();
        assertThat(largest).isLessThan(2 * JournalSpool.COMPACT_BYTES);
        List<String> expected = new ArrayList<>();
        for (int i = 99; i < 999; i += 100) {
            expected.add("m" + i);
        }
        expected.add("m999");
        assertThat(ids()).containsExactlyElementsOf(expected);
        try (Stream<Path> files = Files.list(keys.resolve("outbox"))) {
            assertThat(files).containsExactly(journal());
        }
    }

    @Test
    void messageFilesOfTheEarlierFormatAreTakenIntoTheJournalOnceAndDeleted() throws IOException {
        FileSpool old = new FileSpool(keys, warnings::add);
        old.save(new Outbox.Pending("old-1", ChatIds.toUser("bob"), "typed before the upgrade", 1), false);
        old.save(new Outbox.Pending("old-2", ChatIds.toGroup("group1"), "held before the upgrade", 2), true);
        Files.writeString(keys.resolve("outbox/0000000000000009.msg"), "garbage");

        JournalSpool spool = new JournalSpool(keys, warnings::add);
        assertThat(spool.load())
                .containsExactly(
                        new Spool.Entry(
                                new Outbox.Pending("old-1", ChatIds.toUser("bob"), "typed before the upgrade", 1),
                                false),
                        new Spool.Entry(
                                new Outbox.Pending("old-2", ChatIds.toGroup("group1"), "held before the upgrade", 2),
                                true));
        try (Stream<Path> files = Files.list(keys.resolve("outbox"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("journal", "0000000000000009.msg.unreadable");
        }
        assertThat(warnings).singleElement().asString().contains("set aside");
        spool.save(message("new", "after the upgrade"), false);
        spool.remove("old-1");
        assertThat(ids()).containsExactly("old-2", "new");
    }

    @Test
    void anUpgradeACrashCutShortKeepsEachMessageOnce() throws IOException {
        new FileSpool(keys, warnings::add).save(message("old-1", "typed before the upgrade"), false);
        JournalSpool first = spool(); // took it over, then "crashed" before deleting the file: write it again
        new FileSpool(keys, warnings::add).save(message("old-1", "typed before the upgrade"), false);
        first.save(message("new", "after"), false);
        assertThat(ids()).containsExactly("old-1", "new");
        assertThat(ids()).containsExactly("old-1", "new"); // and the file is gone after that second open
    }

    @Test
    void aSpoolThatCannotWriteSaysSo() throws IOException {
        Files.writeString(keys.resolve("outbox"), "a file where the directory should be");
        assertThatThrownBy(() -> spool().save(message("x", "x"), false))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot save the message");
    }

    @Test
    void aJournalThatIsNotOneIsSetAsideAndReported() throws IOException {
        Files.createDirectories(keys.resolve("outbox"));
        Files.writeString(journal(), "not a journal", StandardOpenOption.CREATE);
        assertThat(ids()).isEmpty();
        assertThat(warnings).singleElement().asString().contains("set aside");
        assertThat(keys.resolve("outbox/journal.unreadable")).hasContent("not a journal");
    }

    /** A journal that could not be read at start is never overwritten by the next save: the save is refused. */
    @Test
    void aJournalThatCouldNotBeReadIsNotOverwrittenByTheNextSave() throws IOException {
        Files.createDirectories(journal().resolve("not-a-file")); // reading it fails with an I/O error
        JournalSpool spool = spool();
        assertThat(warnings).anyMatch(w -> w.startsWith("cannot read the outbox in "));
        assertThatThrownBy(() -> spool.save(message("id-1", "hello"), false))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("could not be read at start and is left as it is");
        assertThat(journal().resolve("not-a-file")).isDirectory();
    }
}
