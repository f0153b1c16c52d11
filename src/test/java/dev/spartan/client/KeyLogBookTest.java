package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.chat.KeyLog;
import dev.spartan.contract.KeyLogs;
import dev.spartan.crypto.MerkleTree;
import dev.spartan.proto.KeyInclusion;
import dev.spartan.proto.KeyLogRequest;
import dev.spartan.proto.SignedTreeHead;
import dev.spartan.store.EmbeddedStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.ecc.ECKeyPair;

/**
 * The key log end to end without a network: the server's {@link KeyLog} over a real embedded store, and clients'
 * {@link KeyLogBook}s that check what it (or a forger holding its log key) shows them.
 */
class KeyLogBookTest {
    @TempDir
    Path dir;

    private EmbeddedStore store;
    private KeyLog log;
    private final List<String> notices = new ArrayList<>();

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(dir.resolve("server"));
        log = new KeyLog(store, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private int proofsAsked;

    private KeyLogBook client(String user) throws Exception {
        return new KeyLogBook(user, dir.resolve(user), this::overTheWire, notices::add);
    }

    /** As the gRPC edge answers: a refusal arrives as a status. */
    private dev.spartan.proto.KeyLogResponse overTheWire(KeyLogRequest request) {
        proofsAsked++;
        try {
            return log.answer(request);
        } catch (RuntimeException e) {
            throw io.grpc.Status.INVALID_ARGUMENT
                    .withDescription(e.getMessage())
                    .asRuntimeException();
        }
    }

    private static byte[] key() {
        return ECKeyPair.generate().getPublicKey().serialize();
    }

    @Test
    void honestProofsAreAcceptedAndTheHeadIsKeptAcrossRestarts() throws Exception {
        byte[] bob = key();
        byte[] eve = key();
        KeyLogBook alice = client("alice");
        assertThat(alice.proven("bob", bob, log.include("bob", bob))).isTrue();
        assertThat(alice.proven("eve", eve, log.include("eve", eve))).isTrue();
        assertThat(alice.proven("bob", bob, log.include("bob", bob)))
                .as("the same key again: the same entry")
                .isTrue();
        assertThat(alice.newest())
                .hasValueSatisfying(h -> assertThat(h.getSize()).isEqualTo(2));
        assertThat(client("alice").newest())
                .hasValueSatisfying(h -> assertThat(h.getSize()).isEqualTo(2));
        assertThat(notices).isEmpty();

        store.close(); // the log is in the store: a restarted server shows the same tree
        store = EmbeddedStore.open(dir.resolve("server"));
        log = new KeyLog(store, Clock.systemUTC());
        SignedTreeHead after = log.answer(KeyLogRequest.getDefaultInstance()).getHead();
        assertThat(after.getRootHash()).isEqualTo(alice.newest().orElseThrow().getRootHash());
        assertThat(client("alice").proven("bob", bob, log.include("bob", bob))).isTrue();
    }

    @Test
    void aKeyNotInTheSignedLogIsRefused() throws Exception {
        byte[] bob = key();
        KeyLogBook alice = client("alice");
        KeyInclusion real = log.include("bob", bob);
        assertThat(alice.proven("bob", key(), real))
                .as("another key under bob's proof")
                .isFalse();
        assertThat(alice.proven("bob", bob, KeyInclusion.getDefaultInstance()))
                .as("no proof")
                .isFalse();
        assertThat(notices)
                .contains("WARNING: the server handed out a key for bob that this client does not use: the proof that"
                        + " it is in the key log does not check out.");
    }

    /**
     * Scenario 3 in miniature: a forger holding the log key shows alice a log with a key for foo that foo never had.
     * alice accepts it (its proof is good), but bob, shown the true log, catches it at alice's next message.
     */
    @Test
    void aForkShownToOneClientIsCaughtByTheHeadInTheNextMessage() throws Exception {
        byte[] bob = key();
        KeyLogBook bobsBook = client("bob");
        KeyLogBook alice = client("alice");
        byte[] alicesKey = key();
        assertThat(bobsBook.proven("alice", alicesKey, log.include("alice", alicesKey)))
                .isTrue();
        assertThat(bobsBook.proven("bob", bob, log.include("bob", bob))).isTrue();

        byte[] forged = key();
        ForkedLog fork = new ForkedLog(store, "foo", forged);
        assertThat(alice.proven("foo", forged, fork.inclusion())).isTrue();
        bobsBook.gossip("alice", alice.newest().orElseThrow());
        assertThat(notices)
                .containsExactly("WARNING: the server shows alice's client another key log than yours: keys it handed"
                        + " out to one of you are hidden from the other.");
    }

    /** Every message of a sender carries its head: checked (and a proof asked for) once while ours stays the same. */
    @Test
    void aSendersHeadIsCheckedOnceWhileThisClientsNewestStaysTheSame() throws Exception {
        byte[] alicesKey = key();
        byte[] bobsKey = key();
        byte[] carolsKey = key();
        KeyLogBook alice = client("alice");
        KeyLogBook bob = client("bob");
        assertThat(alice.proven("alice", alicesKey, log.include("alice", alicesKey)))
                .isTrue();
        assertThat(bob.proven("alice", alicesKey, log.include("alice", alicesKey)))
                .isTrue();
        assertThat(bob.proven("bob", bobsKey, log.include("bob", bobsKey))).isTrue(); // bob's head is newer
        int before = proofsAsked;
        for (int i = 0; i < 3; i++) {
            bob.gossip("alice", alice.newest().orElseThrow());
        }
        assertThat(proofsAsked - before).isEqualTo(1);

        assertThat(bob.proven("carol", carolsKey, log.include("carol", carolsKey)))
                .isTrue(); // bob's newest moves on: alice's head is checked against it again
        before = proofsAsked;
        bob.gossip("alice", alice.newest().orElseThrow());
        assertThat(proofsAsked - before).isEqualTo(1);
        assertThat(notices).isEmpty();
    }

    /** Scenario 2 in miniature: a key in bar's name that bar never had is seen at bar's next login. */
    @Test
    void aKeyPublishedInSomeonesNameIsSeenAtTheirLogin() throws Exception {
        byte[] bars = key();
        KeyLogBook bar = client("bar");
        bar.checkOwnEntries(bars);
        assertThat(notices).isEmpty();
        log.include("bar", key()); // the server handed out a key it made for bar
        log.include("bar", bars);
        bar.checkOwnEntries(bars);
        assertThat(notices).containsExactly("WARNING: the server published a key for you that is not yours");
    }

    /** The true log with one more entry, signed with the log key: what a lying operator can make. */
    private static final class ForkedLog {
        private final List<byte[]> leaves = new ArrayList<>();
        private final EmbeddedStore store;

        ForkedLog(EmbeddedStore store, String user, byte[] key) {
            this.store = store;
            store.keyLogEntries(0).forEach(e -> leaves.add(MerkleTree.leafHash(e)));
            leaves.add(MerkleTree.leafHash(KeyLogs.entry(user, KeyLogs.DEVICE, key)));
        }

        KeyInclusion inclusion() throws Exception {
            var signing = new org.signal.libsignal.protocol.ecc.ECPrivateKey(store.keyLogKey(new byte[0]));
            int n = leaves.size();
            return KeyInclusion.newBuilder()
                    .setHead(KeyLogs.sign(
                            signing, signing.publicKey(), n, MerkleTree.root(leaves), System.currentTimeMillis()))
                    .setIndex(n - 1)
                    .addAllPath(MerkleTree.inclusionProof(leaves, n - 1, n).stream()
                            .map(ByteString::copyFrom)
                            .toList())
                    .build();
        }
    }
}
