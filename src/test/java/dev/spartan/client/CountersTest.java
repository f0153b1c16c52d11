package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

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
}
