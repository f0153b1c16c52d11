package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CountersTest {
    @TempDir
    Path dir;

    @Test
    void aMessageResentAfterARestartKeepsItsNumber() throws Exception {
        Counters before = new Counters(dir);
        assertThat(before.outgoing("m-1", "@bob")).isEqualTo(1);
        assertThat(before.outgoing("m-2", "@bob")).isEqualTo(2);

        Counters after = new Counters(dir);
        assertThat(after.outgoing("m-2", "@bob")).as("the resend of m-2").isEqualTo(2);
        assertThat(after.outgoing("m-3", "@bob")).isEqualTo(3);
        assertThat(after.outgoing("g-1", "#team")).isEqualTo(1);
    }

    @Test
    void onlyTheLastIdsAreKeptAcrossARestart() throws Exception {
        Counters before = new Counters(dir);
        for (int i = 1; i <= Counters.KEPT_IDS + 10; i++) {
            before.outgoing("m-" + i, "@bob");
        }
        Counters after = new Counters(dir);
        int last = Counters.KEPT_IDS + 10;
        assertThat(after.outgoing("m-" + last, "@bob")).isEqualTo(last);
        assertThat(after.outgoing("m-11", "@bob")).as("the oldest kept").isEqualTo(11);
        assertThat(after.outgoing("m-1", "@bob")).as("forgotten: a new number").isEqualTo(last + 1);
    }

    @Test
    void numbersSealedButNotSyncedAreNotOnDisk() throws Exception {
        Counters before = new Counters(dir);
        before.outgoingUnsynced("m-1", "@bob");
        assertThat(new Counters(dir).outgoing("m-9", "@bob"))
                .as("m-1 never left: its number was not kept")
                .isEqualTo(1);

        Counters synced = new Counters(dir);
        synced.outgoingUnsynced("m-2", "@bob");
        synced.sync();
        assertThat(new Counters(dir).outgoing("m-2", "@bob")).isEqualTo(2);
    }

    @Test
    void aTornLastLineOfAnOlderVersionsAppendIsIgnoredAndTheFileRepaired() throws Exception {
        // before sent_numbers went through the state journal it was appended to in place, and a crash tore its end
        Files.writeString(dir.resolve(Counters.FILE), "out\t@bob\t2\n");
        Files.writeString(dir.resolve(Counters.IDS_FILE), "m-1\t1\nm-2\t");

        Counters after = new Counters(dir);
        assertThat(after.outgoing("m-1", "@bob")).isEqualTo(1);
        assertThat(Files.readString(dir.resolve(Counters.IDS_FILE))).isEqualTo("m-1\t1\n");
    }

    @Test
    void newNumbersGoThroughTheStateJournalAndReachSentNumbersWhenItIsApplied() throws Exception {
        Counters before = new Counters(dir);
        before.outgoing("m-1", "@bob");
        assertThat(Files.readString(dir.resolve(Counters.IDS_FILE)))
                .as("no write of its own: the journal's frame holds it")
                .isEmpty();

        new Counters(dir); // the next start applies the journal
        assertThat(Files.readString(dir.resolve(Counters.IDS_FILE))).isEqualTo("m-1\t1\n");
    }

    @Test
    void idsInAnOlderCountersFileMoveToTheirOwnFile() throws Exception {
        Files.writeString(dir.resolve(Counters.FILE), "out\t@bob\t8\nid\tm-7\t7\n");

        Counters after = new Counters(dir);
        assertThat(after.outgoing("m-7", "@bob")).isEqualTo(7);
        assertThat(Files.readString(dir.resolve(Counters.FILE))).isEqualTo("out\t@bob\t8\n");
        assertThat(Files.readString(dir.resolve(Counters.IDS_FILE))).isEqualTo("m-7\t7\n");
        assertThat(new Counters(dir).outgoing("m-8", "@bob")).isEqualTo(8);
    }
}
