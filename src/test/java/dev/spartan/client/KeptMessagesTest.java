package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.StateJournal;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeptMessagesTest {
    @TempDir
    Path dir;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private static Envelopes.Opened fromAlice(String text, long counter) {
        return new Envelopes.Opened(
                new Incoming("id-" + text, "alice", ChatIds.toUser("bob"), "alice", text + " é", 7, 1234),
                counter,
                "alice#2");
    }

    /** A client starting again on the key directory: the journal applied, the kept messages read. */
    private KeptMessages restarted() throws Exception {
        return new KeptMessages(dir, StateJournal.open(dir));
    }

    /** A batch of two messages, kept and synced with the batch's state. */
    private KeptMessages oneAndTwoSynced() throws Exception {
        StateJournal journal = StateJournal.open(dir);
        KeptMessages kept = new KeptMessages(dir, journal);
        kept.keep(fromAlice("one", 1));
        kept.keep(fromAlice("two", 2));
        kept.stage();
        journal.sync(); // the batch's sync
        return kept;
    }

    private static List<String> texts(KeptMessages kept) {
        return kept.left().stream().map(o -> o.message().text()).toList();
    }

    @Test
    void keptMessagesAreDurableWithTheirBatchesSyncAndComeBackInOrderAfterAKill() throws Exception {
        KeptMessages kept = oneAndTwoSynced();
        kept.keep(fromAlice("three", 3)); // the next batch, killed before its sync

        KeptMessages after = restarted();
        assertThat(after.left()).containsExactly(fromAlice("one", 1), fromAlice("two", 2));
        assertThat(texts(restarted())).as("nothing shown yet: still kept").containsExactly("one é", "two é");
    }

    @Test
    void aShownMessageIsDeletedAtOnceWithoutWaitingForTheNextSync() throws Exception {
        KeptMessages kept = oneAndTwoSynced();
        kept.shown("id-one"); // written, not synced: a kill now keeps it
        kept.shown("id-unknown"); // not kept (a control message's id, say): nothing happens

        KeptMessages after = restarted();
        assertThat(texts(after)).containsExactly("two é");
        after.keep(fromAlice("three", 3));
        after.shown("id-three"); // shown in the batch it was kept in, before any sync: never on disk
        assertThat(texts(after)).containsExactly("two é");
        assertThat(texts(restarted())).containsExactly("two é");
    }

    @Test
    void afterARestartAKeptMessageWhoseNumberWasSyncedIsReadyAsItIsAndAnotherIsCountedAgain() throws Exception {
        StateJournal journal = StateJournal.open(dir);
        Counters counters = new Counters(dir, journal);
        Gaps gaps = new Gaps(counters, timer, m -> {}, n -> {});
        Incoming one = fromAlice("one", 1).message();
        Incoming three = fromAlice("three", 3).message();
        assertThat(gaps.counted(one, 1, "alice#2")).containsExactly(one);
        counters.sync(); // its number synced, then the kill: never shown

        Gaps again = new Gaps(new Counters(dir, StateJournal.open(dir)), timer, m -> {}, n -> {});
        assertThat(again.isNew(one, 1, "alice#2")).as("a replay to the stream").isFalse();
        assertThat(again.recounted(one, 1, "alice#2")).as("but kept: shown").containsExactly(one);
        assertThat(again.recounted(three, 3, "alice#2")).as("waits for two").isEmpty();
        assertThat(again.isNew(three, 3, "alice#2")).as("waiting already").isFalse();
    }
}
