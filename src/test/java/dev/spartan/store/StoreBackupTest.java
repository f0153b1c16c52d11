package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.OneTimePreKey;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An online backup of the embedded store while it takes sends, and a restore of it as a new data directory. */
class StoreBackupTest {
    private static final String PAIR = "alice|bob";

    @TempDir
    Path dir;

    private static NewMessage message(int n) {
        ChatMessage m = EmbeddedStoreTest.sent("alice", "bob", "m" + n, 0);
        return new NewMessage(PAIR, "dm:" + PAIR, m, List.of("bob"), Guard.pair(PAIR, "alice"), 1000, HoldLimit.NONE);
    }

    @Test
    void aBackupTakenUnderLoadHoldsEverythingAcknowledgedBeforeItAndARestoreHandsOutNoEarlierPreKey() throws Exception {
        Path backup = dir.resolve("backup");
        java.nio.file.Files.createDirectories(backup);
        String epoch;
        AtomicInteger acknowledged = new AtomicInteger();
        try (EmbeddedStore node = EmbeddedStore.open(dir.resolve("node"))) {
            epoch = node.epoch();
            node.setPairState(PAIR, PairState.ACCEPTED);
            for (int i = 1; i <= 20; i++) {
                node.save(message(i));
                acknowledged.set(i);
            }
            node.addOneTimePreKeys(
                    "bob",
                    IntStream.rangeClosed(1, 5)
                            .mapToObj(StoreBackupTest::oneTime)
                            .toList(),
                    200);
            OneTimePreKey handedOut = node.takeOneTimePreKey("bob").orElseThrow();
            assertThat(handedOut.getId()).isEqualTo(1);

            AtomicBoolean chatting = new AtomicBoolean(true);
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                for (int i = 21; chatting.get(); i++) {
                    node.save(message(i));
                    acknowledged.set(i);
                }
            });
            int before = acknowledged.get();
            node.backup(backup.resolve(StoreBackup.STORE_ZIP));
            chatting.set(false);
            load.join();
            node.takeOneTimePreKey("bob"); // handed out after the backup: the backup still has it

            StoreBackup.Contents contents = StoreBackup.contents(backup);
            assertThat(contents.epoch()).isEqualTo(epoch);
            assertThat(contents.newest().orElseThrow().id()).matches("m\\d+");
            assertThat(Integer.parseInt(contents.newest().orElseThrow().id().substring(1)))
                    .isGreaterThanOrEqualTo(before);

            StoreBackup.Restored restored = StoreBackup.restore(backup, dir.resolve("restored"));
            assertThat(restored.oneTimePreKeysDropped()).isEqualTo(4);
            try (EmbeddedStore again = EmbeddedStore.open(dir.resolve("restored"))) {
                assertThat(again.epoch()).isEqualTo(restored.newEpoch()).isNotEqualTo(epoch);
                List<String> ids = again.eventsAfter("bob", 0, 100_000).stream()
                        .map(Event::getMessage)
                        .map(ChatMessage::getMessageId)
                        .collect(Collectors.toList());
                for (int i = 1; i <= before; i++) {
                    assertThat(ids).containsOnlyOnce("m" + i);
                }
                assertThat(again.oneTimePreKeyCount("bob")).isZero();
                assertThat(again.takeOneTimePreKey("bob")).isEmpty();
            }
        }
        assertThatThrownBy(() -> StoreBackup.restore(backup, dir.resolve("restored")))
                .isInstanceOf(StoreOpenException.class)
                .hasMessageContaining("restore into a new or empty data directory");
    }

    private static OneTimePreKey oneTime(int id) {
        return OneTimePreKey.newBuilder()
                .setId(id)
                .setPublicKey(ByteString.copyFrom(new byte[] {5, (byte) id}))
                .build();
    }
}
