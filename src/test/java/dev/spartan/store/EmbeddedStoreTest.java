package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.HistoryResponse;
import dev.spartan.proto.Sealed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest extends MessageStoreContract {
    @Test
    void entryKeysAreTheOwnerAndTheNumberPaddedToNineteenDigitsSoTheySortByNumber() {
        assertThat(EmbeddedStore.entryKey("bob", 42)).isEqualTo("bob\0" + "0".repeat(17) + "42");
        assertThat(EmbeddedStore.entryKey("bob", Long.MAX_VALUE)).isEqualTo("bob\0" + Long.MAX_VALUE);
        assertThat(EmbeddedStore.entryKey("bob", 9)).isLessThan(EmbeddedStore.entryKey("bob", 10));
    }

    private EmbeddedStore store;

    @TempDir
    Path dir;

    @BeforeEach
    void open() {
        store = EmbeddedStore.inMemory();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    MessageStore store() {
        return store;
    }

    @Override
    String dump() {
        return store.dump();
    }

    @Test
    void aClosedStoreFailsItsPing() {
        EmbeddedStore closed = EmbeddedStore.inMemory();
        closed.close();
        assertThatThrownBy(closed::ping).isInstanceOf(StoreUnavailableException.class);
    }

    static ChatMessage sent(String sender, String to, String id, long chatSeq) {
        return ChatMessage.newBuilder()
                .setMessageId(id)
                .setSender(sender)
                .setChat(ChatRef.newBuilder().setUser(to))
                .setChatSeq(chatSeq)
                .setSentAtMillis(1_764_000_000_000L + chatSeq)
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts(
                                to,
                                Ciphertext.newBuilder()
                                        .setType(2)
                                        .setBody(ByteString.copyFromUtf8("body of " + id))
                                        .build()))
                .build();
    }

    @Test
    void aGroupMessageIsStoredOnceAndLetGoWhenItsLastReaderAcknowledgesIt() {
        String chat = "group:team";
        List<String> readers = List.of("bob", "carol", "dave");
        ChatMessage big = sent("alice", "team", "g1", 0).toBuilder()
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts(
                                "bob",
                                Ciphertext.newBuilder()
                                        .setBody(ByteString.copyFrom(new byte[20_000]))
                                        .build()))
                .build();
        try (EmbeddedStore file = EmbeddedStore.open(dir)) {
            file.putGroup("team", List.of("alice", "bob", "carol", "dave"));
            long before = file.fileBytes();
            for (int i = 0; i < 20; i++) {
                file.save(new NewMessage(
                        chat,
                        chat,
                        big.toBuilder().setMessageId("g" + i).build(),
                        readers,
                        Guard.groupAt("team", file.groupVersion("team")),
                        100,
                        HoldLimit.NONE));
            }
            // 20 messages of 20 KB to 3 readers, each kept once in the history: not 400 KB more for each reader.
            assertThat(file.fileBytes() - before).isBetween(400_000L, 1_000_000L);
            assertThat(file.unreadShared()).containsExactly(20, 0);
            file.ack("bob", 20);
            file.ack("carol", 20);
            file.ack("dave", 10);
            assertThat(file.unreadShared()).containsExactly(10, 0);
            file.deleteHistory(chat); // dave has 10 left to read: they move aside
            assertThat(file.unreadShared()).containsExactly(10, 10);
            assertThat(file.eventsAfter("dave", 10, 100)).hasSize(10);
            file.ack("dave", 20);
            assertThat(file.unreadShared()).containsExactly(0, 0);
        }
    }

    @Test
    void aStoreFileOfANewerLayoutIsRefusedWithOneLineAndLeftUntouched() {
        MVStore newer = new MVStore.Builder()
                .fileName(dir.resolve(EmbeddedStore.FILE).toString())
                .open();
        newer.<String, String>openMap("meta").put("layout", "3");
        newer.close();
        assertThatThrownBy(() -> EmbeddedStore.open(dir))
                .isInstanceOf(StoreOpenException.class)
                .hasMessage("the store file " + dir.resolve(EmbeddedStore.FILE) + " has store layout 3, newer than this"
                        + " version knows (2): run a version that knows it (README, Upgrades and rollback)");
        MVStore again = new MVStore.Builder()
                .fileName(dir.resolve(EmbeddedStore.FILE).toString())
                .open();
        assertThat(again.<String, String>openMap("meta").get("layout")).isEqualTo("3");
        again.close();
    }

    @Test
    void reopeningAFileKeepsItsEpochAndItsData() {
        String epoch;
        try (EmbeddedStore first = EmbeddedStore.open(dir)) {
            epoch = first.epoch();
            first.setPairState("alice|bob", PairState.ACCEPTED);
        }
        try (EmbeddedStore again = EmbeddedStore.open(dir)) {
            assertThat(again.epoch()).isEqualTo(epoch);
            assertThat(again.pairState("alice|bob")).isEqualTo(PairState.ACCEPTED);
        }
        try (EmbeddedStore other = EmbeddedStore.open(dir.resolve("elsewhere"))) {
            assertThat(other.epoch()).isNotEqualTo(epoch);
        }
    }

    /** Many saves, then commits shared among them: every future completes, and the file holds every message. */
    @Test
    void savesCompletedByAGroupCommitAreInTheFileWhenItIsReopened() {
        String pair = PairState.pairKey("alice", "bob");
        List<CompletableFuture<SaveResult>> pending = new ArrayList<>();
        try (EmbeddedStore first = EmbeddedStore.open(dir)) {
            first.setPairState(pair, PairState.ACCEPTED);
            for (int i = 0; i < 500; i++) {
                ChatMessage m = sent("alice", "bob", "g" + i, 0);
                pending.add(first.saveAsync(new NewMessage(
                        pair, "dm:" + pair, m, List.of("bob"), Guard.pair(pair, "alice"), 1000, HoldLimit.NONE)));
            }
            assertThat(CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)))
                    .succeedsWithin(Duration.ofSeconds(30));
            // Kill -9 loses nothing that was acknowledged: take the file as the last commit left it.
            first.closeWithoutCommit();
        }
        try (EmbeddedStore again = EmbeddedStore.open(dir)) {
            assertThat(again.eventsAfter("bob", 0, 1000))
                    .extracting(e -> e.getMessage().getMessageId())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 500)
                            .mapToObj(i -> "g" + i)
                            .toList());
        }
    }

    /**
     * An acknowledgement commits nothing by itself (losing one only sends a message again, which the client drops);
     * with no MVStore background writer, the committer's once-a-second housekeeping puts it in the file.
     */
    @Test
    void anAcknowledgementThatNoSaveCommittedIsInTheFileWithinAboutASecond() {
        String pair = PairState.pairKey("alice", "bob");
        try (EmbeddedStore first = EmbeddedStore.open(dir)) {
            first.setPairState(pair, PairState.ACCEPTED);
            first.save(new NewMessage(
                    pair,
                    "dm:" + pair,
                    sent("alice", "bob", "a1", 0),
                    List.of("bob"),
                    Guard.pair(pair, "alice"),
                    1000,
                    HoldLimit.NONE));
            assertThat(first.ack("bob", 1)).isTrue();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(first::allCommitted);
            first.closeWithoutCommit();
        }
        try (EmbeddedStore again = EmbeddedStore.open(dir)) {
            assertThat(again.lastAcked("bob")).isEqualTo(1);
            assertThat(again.eventsAfter("bob", 0, 10)).isEmpty();
        }
    }

    @Test
    void aDataPathThatCannotBeADirectoryIsReportedInOneLine() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        assertThatThrownBy(() -> EmbeddedStore.open(file.resolve("data")))
                .isInstanceOf(StoreOpenException.class)
                .hasMessageStartingWith("cannot create the data directory " + file.resolve("data"));
    }

    /** A file of the version that stored API messages as lists: its records read as they are, its lists split. */
    @Test
    void aFileOfThePreviousLayoutIsUpgradedWhenOpened() {
        ChatMessage m1 = sent("alice", "bob", "m1", 1);
        ChatMessage m2 = sent("bob", "alice", "m2", 2);
        ChatMessage waiting = sent("alice", "carol", "w1", 1);
        MVStore old = new MVStore.Builder()
                .fileName(dir.resolve(EmbeddedStore.FILE).toString())
                .open();
        old.<String, byte[]>openMap("history")
                .put(
                        "dm:alice|bob",
                        HistoryResponse.newBuilder()
                                .addMessages(m1)
                                .addMessages(m2)
                                .build()
                                .toByteArray());
        old.<String, byte[]>openMap("held")
                .put(
                        "alice|carol",
                        HistoryResponse.newBuilder()
                                .addMessages(waiting)
                                .build()
                                .toByteArray());
        old.<String, byte[]>openMap("groups")
                .put(
                        "team",
                        Group.newBuilder()
                                .setName("team")
                                .addMembers("alice")
                                .addMembers("bob")
                                .build()
                                .toByteArray());
        old.<String, byte[]>openMap("inbox")
                .put(
                        EmbeddedStore.entryKey("bob", 1),
                        Event.newBuilder().setSeq(1).setMessage(m1).build().toByteArray());
        old.<String, Long>openMap("counters").put("inbox\0bob", 1L);
        old.<String, Long>openMap("counters").put("chat\0dm:alice|bob", 2L);
        old.<String, String>openMap("pairs").put("alice|bob", "ACCEPTED:");
        old.<String, Long>openMap("sent-2917").put("alice:m1", 1L);
        old.close();

        try (EmbeddedStore upgraded = EmbeddedStore.open(dir)) {
            assertThat(upgraded.history("dm:alice|bob", 0, 10)).containsExactly(m1, m2);
            assertThat(upgraded.held("alice|carol")).containsExactly(waiting);
            assertThat(upgraded.groupsOf("bob")).containsExactly(new RuntimeGroup("team", List.of("alice", "bob"), 0));
            assertThat(upgraded.eventsAfter("bob", 0, 10))
                    .containsExactly(Event.newBuilder().setSeq(1).setMessage(m1).build());
            SaveResult resent = upgraded.save(new NewMessage(
                    "alice|bob",
                    "dm:alice|bob",
                    m1.toBuilder().clearChatSeq().build(),
                    List.of("bob"),
                    Guard.pair("alice|bob", "alice"),
                    5,
                    HoldLimit.NONE));
            assertThat(resent.outcome()).isEqualTo(SaveResult.Outcome.DUPLICATE);
            assertThat(upgraded.releaseHeld("alice|carol", "carol"))
                    .extracting(Event::getMessage)
                    .containsExactly(waiting);
        }
    }

    @Test
    void runningOutOfMemoryWhileTheStoreWorksStopsItForGoodAndSaysSoOnce() {
        List<String> told = new java.util.ArrayList<>();
        store.onFatal(told::add);
        assertThatThrownBy(() -> store.atomically("alice|bob", () -> {
                    throw new OutOfMemoryError("Java heap space");
                }))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.pairState("alice|bob"))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessage("the embedded store stopped: out of memory");
        assertThat(told).containsExactly("the embedded store stopped: out of memory");
    }
}
