package dev.spartan.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateJournalTest {
    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private String read(String name) throws Exception {
        return Files.readString(dir.resolve(name));
    }

    @Test
    void whatASyncWroteReachesTheFilesWhenTheDirectoryIsOpenedAgainAndWhatItDidNotIsLost() throws Exception {
        StateJournal journal = StateJournal.open(dir);
        journal.replace("sessions/ab.session", utf8("one"));
        journal.replace("counters", utf8("in\talice\t@alice\t2\n"));
        journal.sync();
        assertThat(dir.resolve("counters"))
                .as("the files wait for a compaction")
                .doesNotExist();
        journal.replace("counters", utf8("in\talice\t@alice\t3\n")); // never synced: a crash now

        StateJournal.open(dir); // the next start
        assertThat(read("sessions/ab.session")).isEqualTo("one");
        assertThat(read("counters")).isEqualTo("in\talice\t@alice\t2\n");
        assertThat(dir.resolve(StateJournal.FILE)).isEmptyFile();
    }

    @Test
    void aFrameTornOrDamagedByACrashIsIgnoredWholeWithEverythingAfterIt() throws Exception {
        StateJournal journal = StateJournal.open(dir);
        journal.replace("counters", utf8("a"));
        journal.sync();
        long whole = Files.size(dir.resolve(StateJournal.FILE));
        journal.replace("counters", utf8("b"));
        journal.replace("sessions/ab.session", utf8("b"));
        journal.sync();
        byte[] all = Files.readAllBytes(dir.resolve(StateJournal.FILE));
        // the second frame loses its last byte, as a crash during its write would leave it
        Files.write(dir.resolve(StateJournal.FILE), java.util.Arrays.copyOf(all, all.length - 1));
        StateJournal.open(dir);
        assertThat(read("counters")).isEqualTo("a");
        assertThat(dir.resolve("sessions/ab.session")).doesNotExist();

        StateJournal again = StateJournal.open(dir);
        again.replace("counters", utf8("c"));
        again.sync();
        byte[] damaged = Files.readAllBytes(dir.resolve(StateJournal.FILE));
        damaged[damaged.length - 1] ^= 1; // a flipped bit fails the CRC
        Files.write(dir.resolve(StateJournal.FILE), damaged);
        Files.write(dir.resolve(StateJournal.FILE), new byte[] {0, 0, 0, 1}, StandardOpenOption.APPEND);
        StateJournal.open(dir);
        assertThat(read("counters")).isEqualTo("a");
        assertThat(whole).isPositive();
    }

    @Test
    void aDeletionIsJournaledLikeAChangeAndALongJournalIsCompactedIntoTheFiles() throws Exception {
        StateJournal journal = StateJournal.open(dir);
        journal.replace("sessions/ab.session", utf8("old"));
        journal.sync();
        journal.delete("sessions/ab.session");
        journal.sync();
        StateJournal.open(dir);
        assertThat(dir.resolve("sessions/ab.session")).doesNotExist();

        StateJournal busy = StateJournal.open(dir);
        byte[] big = new byte[64 * 1024];
        for (int i = 0; (long) i * big.length <= StateJournal.COMPACT_BYTES; i++) {
            big[0] = (byte) i;
            busy.replace("sessions/cd.session", big.clone());
            busy.sync();
        }
        assertThat(Files.size(dir.resolve(StateJournal.FILE)))
                .as("compacted as it passed the limit")
                .isLessThan(StateJournal.COMPACT_BYTES);
        assertThat(dir.resolve("sessions/cd.session"))
                .as("written by the compaction")
                .exists();
        StateJournal.open(dir);
        assertThat(Files.readAllBytes(dir.resolve("sessions/cd.session"))[0])
                .as("the latest state, from the journal's tail")
                .isEqualTo((byte) (StateJournal.COMPACT_BYTES / big.length));
    }

    @Test
    void appendedLinesFollowWhatTheFileHeldAndAReplaceStartsItAfresh() throws Exception {
        Files.writeString(dir.resolve("sent_numbers"), "m-1\t1\n");
        StateJournal journal = StateJournal.open(dir);
        journal.append("sent_numbers", utf8("m-2\t2\n"));
        journal.sync();
        journal.append("sent_numbers", utf8("m-3\t3\n"));
        journal.sync();
        StateJournal.open(dir);
        assertThat(read("sent_numbers")).isEqualTo("m-1\t1\nm-2\t2\nm-3\t3\n");

        StateJournal again = StateJournal.open(dir);
        again.append("sent_numbers", utf8("m-4\t4\n"));
        again.replace("sent_numbers", utf8("m-3\t3\n")); // a compaction of the kept ids
        again.append("sent_numbers", utf8("m-5\t5\n"));
        again.sync();
        StateJournal.open(dir);
        assertThat(read("sent_numbers")).isEqualTo("m-3\t3\nm-5\t5\n");
    }

    @Test
    void aFrameWrittenWithoutASyncIsAppliedAtTheNextStartLikeASyncedOne() throws Exception {
        StateJournal journal = StateJournal.open(dir);
        journal.replace("kept/61.msg", utf8("one"));
        journal.sync();
        journal.delete("kept/61.msg");
        journal.write(); // a killed process leaves it to the kernel, which writes it
        StateJournal.open(dir);
        assertThat(dir.resolve("kept/61.msg")).doesNotExist();
    }
}
