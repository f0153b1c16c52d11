package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.SignedPreKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store on RocksDB (layout 3): the whole store contract, and the in-place upgrade of a data directory of
 * layout 2 (one MVStore file), which must bring over every map and leave a directory a layout-2 node refuses.
 */
class RocksStoreTest extends MessageStoreContract {
    private static final String PAIR = PairState.pairKey("alice", "bob");

    @TempDir
    Path dir;

    private EmbeddedStore store;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(dir.resolve("contract"));
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

    private static NewMessage toBob(String id) {
        return new NewMessage(
                PAIR,
                "dm:" + PAIR,
                EmbeddedStoreTest.sent("alice", "bob", id, 0),
                List.of("bob"),
                Guard.pair(PAIR, "alice"),
                1000,
                HoldLimit.NONE);
    }

    /** A data directory as the previous version (layout 2, MVStore) left it, with something in every kind of map. */
    private static void writeLayoutTwo(Path data) {
        try (EmbeddedStore old = EmbeddedStore.openMvFile(data, true)) {
            old.setPairState(PAIR, PairState.ACCEPTED);
            for (int i = 1; i <= 5; i++) {
                old.save(toBob("m" + i));
            }
            old.ack("bob", 2);
            old.putGroup("team", List.of("alice", "bob", "carol"));
            ChatMessage toTeam = EmbeddedStoreTest.sent("alice", "team", "g1", 0);
            old.save(new NewMessage(
                    "group:team",
                    "group:team",
                    toTeam,
                    List.of("bob", "carol"),
                    Guard.groupAt("team", old.groupVersion("team")),
                    1000,
                    HoldLimit.NONE));
            old.addDevice("alice", "laptop", new byte[33], 5);
            old.putSignedPreKeys(
                    "bob",
                    42,
                    SignedPreKey.newBuilder().setId(1).build(),
                    SignedPreKey.newBuilder().setId(2).build());
            old.addOneTimePreKeys("bob", List.of(oneTime(1), oneTime(2)), 100);
            old.appendKeyLogEntry(new byte[] {1});
            old.appendKeyLogEntry(new byte[] {2});
            old.recordLogin("alice", 77);
            old.putInvite("carol", new Invite(new byte[32], 99));
        }
    }

    private static OneTimePreKey oneTime(int id) {
        return OneTimePreKey.newBuilder()
                .setId(id)
                .setPublicKey(ByteString.copyFrom(new byte[] {5, (byte) id}))
                .build();
    }

    @Test
    void aDataDirectoryOfLayoutTwoIsUpgradedInPlaceWithEveryMap() {
        Path data = dir.resolve("old");
        writeLayoutTwo(data);
        String epoch;
        try (EmbeddedStore old = EmbeddedStore.openMvFile(data, true)) {
            epoch = old.epoch();
        }
        try (EmbeddedStore upgraded = EmbeddedStore.open(data)) {
            assertThat(upgraded.epoch()).isEqualTo(epoch);
            assertThat(upgraded.pairState(PAIR)).isEqualTo(PairState.ACCEPTED);
            assertThat(upgraded.history("dm:" + PAIR, 0, 10))
                    .extracting(ChatMessage::getMessageId)
                    .containsExactly("m1", "m2", "m3", "m4", "m5");
            assertThat(upgraded.lastAcked("bob")).isEqualTo(2);
            assertThat(upgraded.eventsAfter("bob", 2, 10))
                    .extracting(e -> e.getMessage().getMessageId())
                    .containsExactly("m3", "m4", "m5", "g1");
            assertThat(upgraded.eventsAfter("carol", 0, 10))
                    .extracting(e -> e.getMessage().getMessageId())
                    .containsExactly("g1");
            assertThat(upgraded.groupsOf("carol"))
                    .extracting(RuntimeGroup::name)
                    .containsExactly("team");
            assertThat(upgraded.devices("alice")).extracting(Device::name).contains("laptop");
            assertThat(upgraded.signedPreKeys("bob")).isPresent();
            assertThat(upgraded.oneTimePreKeyCount("bob")).isEqualTo(2);
            assertThat(upgraded.keyLogEntries(0)).containsExactly(new byte[] {1}, new byte[] {2});
            assertThat(upgraded.lastLogin("alice")).hasValue(77);
            assertThat(upgraded.invite("carol")).isPresent();
            assertThat(upgraded.save(toBob("m1")).outcome()).isEqualTo(SaveResult.Outcome.DUPLICATE);
            assertThat(upgraded.save(toBob("m6")).chatSeq()).isEqualTo(6);
        }
        assertThat(data.resolve(StoreFiles.OLD_FILE)).exists();
        assertThat(data.resolve(StoreFiles.BUILDING)).doesNotExist();
        // What a node of layout 2 does with the directory now: it finds the marker and refuses it.
        MVStore marker = new MVStore.Builder()
                .fileName(data.resolve(EmbeddedStore.FILE).toString())
                .open();
        try {
            assertThatThrownBy(() -> new LayoutUpgrade(marker).run())
                    .isInstanceOf(StoreOpenException.class)
                    .hasMessageContaining("has store layout 3, newer than this version knows (2)");
        } finally {
            marker.close();
        }
        try (EmbeddedStore again = EmbeddedStore.open(data)) {
            assertThat(again.history("dm:" + PAIR, 0, 10)).hasSize(6);
        }
    }

    /** A copy cut short leaves its half-built directory and the old file: the next start copies again, whole. */
    @Test
    void anUpgradeCutShortIsDoneAgainAtTheNextStart() throws Exception {
        Path data = dir.resolve("cut");
        writeLayoutTwo(data);
        try (RocksEngine half = RocksEngine.open(data.resolve(StoreFiles.BUILDING))) {
            half.<String, String>openMap("pairs").put("half|copied", "ACCEPTED:");
        }
        try (EmbeddedStore upgraded = EmbeddedStore.open(data)) {
            assertThat(upgraded.history("dm:" + PAIR, 0, 10)).hasSize(5);
            assertThat(upgraded.pairState("half|copied")).isEqualTo(PairState.NONE);
        }
        // Cut after the new store was put in place but before the old file moved aside: the store wins, the file goes.
        Files.copy(
                data.resolve(StoreFiles.OLD_FILE),
                data.resolve(EmbeddedStore.FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (EmbeddedStore again = EmbeddedStore.open(data)) {
            assertThat(again.history("dm:" + PAIR, 0, 10)).hasSize(5);
        }
        assertThat(data.resolve(StoreFiles.OLD_FILE + ".1")).exists();
    }

    /** A backup made by a version of layout 2 (its zip holds spartan.mv) restores, upgraded, under a new epoch. */
    @Test
    void aBackupOfLayoutTwoRestoresIntoTheNewLayout() throws Exception {
        Path data = dir.resolve("old-node");
        writeLayoutTwo(data);
        Path backup = Files.createDirectories(dir.resolve("backup"));
        String epoch;
        try (EmbeddedStore old = EmbeddedStore.openMvFile(data, true)) {
            epoch = old.epoch();
            old.backup(backup.resolve(StoreBackup.STORE_ZIP));
        }
        assertThat(StoreBackup.contents(backup).messages()).isEqualTo(6);
        StoreBackup.Restored restored = StoreBackup.restore(backup, dir.resolve("restored"));
        assertThat(restored.oneTimePreKeysDropped()).isEqualTo(2);
        try (EmbeddedStore node = EmbeddedStore.open(dir.resolve("restored"))) {
            assertThat(node.epoch()).isEqualTo(restored.newEpoch()).isNotEqualTo(epoch);
            assertThat(node.history("dm:" + PAIR, 0, 10)).hasSize(5);
            assertThat(node.oneTimePreKeyCount("bob")).isZero();
        }
    }

    @Test
    void aMarkerWhoseStoreIsGoneIsRefusedInOneLine() {
        Path data = dir.resolve("gone");
        EmbeddedStore.open(data).close();
        RocksEngine.deleteTree(data.resolve(StoreFiles.STORE_DIR));
        assertThatThrownBy(() -> EmbeddedStore.open(data))
                .isInstanceOf(StoreOpenException.class)
                .hasMessage("the store file " + data.resolve(EmbeddedStore.FILE) + " says the store is in "
                        + data.resolve(StoreFiles.STORE_DIR) + ", which is missing: restore it from a backup (README,"
                        + " Backup and restore)");
    }

    @Test
    void aStoreInUseByAnotherNodeIsRefusedInOneLine() {
        assertThatThrownBy(() -> EmbeddedStore.open(dir.resolve("contract")))
                .isInstanceOf(StoreOpenException.class)
                .hasMessage("data directory "
                        + dir.resolve("contract").toAbsolutePath().normalize()
                        + " is in use by another running node (its store file is locked); give this node its own"
                        + " --data");
    }

    /** Every write is in RocksDB's log when its call returns: a store dropped without a flush keeps every save. */
    @Test
    void everyAcknowledgedSaveSurvivesAStoreStoppedWithoutAFlush() {
        Path data = dir.resolve("killed");
        try (EmbeddedStore first = EmbeddedStore.open(data)) {
            first.setPairState(PAIR, PairState.ACCEPTED);
            for (int i = 1; i <= 300; i++) {
                assertThat(first.saveAsync(toBob("k" + i))).isDone();
            }
            first.ack("bob", 100);
            first.closeWithoutCommit();
        }
        try (EmbeddedStore again = EmbeddedStore.open(data)) {
            assertThat(again.lastAcked("bob")).isEqualTo(100);
            assertThat(again.eventsAfter("bob", 100, 1000)).hasSize(200);
        }
    }

    /** Two operators' backups at once both finish, each whole, and the node goes on (they share a checkpoint dir). */
    @Test
    void twoBackupsAtOnceBothFinishAndTheStoreGoesOn() throws Exception {
        Path data = dir.resolve("backed-up");
        try (EmbeddedStore node = EmbeddedStore.open(data)) {
            node.setPairState(PAIR, PairState.ACCEPTED);
            for (int i = 1; i <= 20; i++) {
                node.save(toBob("b" + i));
            }
            Path first = Files.createDirectories(dir.resolve("backup-1"));
            Path second = Files.createDirectories(dir.resolve("backup-2"));
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                List<java.util.concurrent.Future<?>> backups = List.of(
                        two.submit(() -> {
                            together.await();
                            node.backup(first.resolve(StoreBackup.STORE_ZIP));
                            return null;
                        }),
                        two.submit(() -> {
                            together.await();
                            node.backup(second.resolve(StoreBackup.STORE_ZIP));
                            return null;
                        }));
                for (java.util.concurrent.Future<?> b : backups) {
                    b.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                two.shutdownNow();
            }
            assertThat(StoreBackup.contents(first).messages()).isEqualTo(20);
            assertThat(StoreBackup.contents(second).messages()).isEqualTo(20);
            assertThat(node.save(toBob("b21")).chatSeq()).isEqualTo(21);
        }
    }
}
