package dev.spartan.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.testing.SignalDevice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.message.CiphertextMessage;

/** Two users' ratchets over their own key directories, as two clients hold them. */
class RatchetTest {
    @TempDir
    Path dir;

    private final Map<String, IdentityKey> pins = new HashMap<>();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String open(SignalDevice reader, String from, Ratchet.Sealed s) throws Ratchet.RatchetException {
        return new String(reader.ratchet.decrypt(from, s.type(), s.body()), StandardCharsets.UTF_8);
    }

    /** The message's key is gone: it was opened before (a replay). */
    private static void assertOpenedBefore(SignalDevice reader, String from, Ratchet.Sealed s) {
        assertThatThrownBy(() -> open(reader, from, s))
                .isInstanceOfSatisfying(
                        Ratchet.RatchetException.class,
                        e -> assertThat(e.fault()).isEqualTo(Ratchet.Fault.DUPLICATE));
    }

    @Test
    void aSessionStartsFromABundleAndEachMessageOpensOnceEvenAfterARestart() throws Exception {
        SignalDevice alice = new SignalDevice("alice", dir.resolve("alice"), pins);
        SignalDevice bob = new SignalDevice("bob", dir.resolve("bob"), pins);
        alice.ratchet.start("bob", bob.bundle());
        Ratchet.Sealed first = alice.ratchet.encrypt("bob", utf8("one"));
        Ratchet.Sealed second = alice.ratchet.encrypt("bob", utf8("two"));
        assertThat(first.type()).isEqualTo(CiphertextMessage.PREKEY_TYPE);
        assertThat(open(bob, "alice", first)).isEqualTo("one");
        assertThat(open(bob, "alice", second)).isEqualTo("two");

        Ratchet.Sealed reply = bob.ratchet.encrypt("alice", utf8("back"));
        assertThat(reply.type()).isEqualTo(CiphertextMessage.WHISPER_TYPE);
        assertThat(open(alice, "bob", reply)).isEqualTo("back");

        // bob's client restarts: his sessions come back from the key directory, and a replay still does not open.
        SignalDevice bobAgain = new SignalDevice("bob", dir.resolve("bob"), pins);
        assertThat(bobAgain.ratchet.hasSession("alice")).isTrue();
        assertOpenedBefore(bobAgain, "alice", second);
        assertThat(open(bobAgain, "alice", alice.ratchet.encrypt("bob", utf8("three"))))
                .isEqualTo("three");
    }

    @Test
    void anUnsyncedStepReachesTheDiskOnlyWithSync() throws Exception {
        SignalDevice alice = new SignalDevice("alice", dir.resolve("alice"), pins);
        SignalDevice bob = new SignalDevice("bob", dir.resolve("bob"), pins);
        alice.ratchet.start("bob", bob.bundle());
        byte[] started = sessionOnDisk(alice.keys);

        Ratchet.Sealed one = alice.ratchet.encryptUnsynced("bob", utf8("one"));
        Ratchet.Sealed two = alice.ratchet.encryptUnsynced("bob", utf8("two"));
        assertThat(sessionOnDisk(alice.keys)).as("before sync").isEqualTo(started);

        alice.ratchet.sync();
        assertThat(sessionOnDisk(alice.keys)).as("after sync").isNotEqualTo(started);
        assertThat(open(bob, "alice", one)).isEqualTo("one");
        assertThat(open(bob, "alice", two)).isEqualTo("two");
        // alice restarts after the sync: her next message uses a key after both, so bob opens it.
        SignalDevice aliceAgain = new SignalDevice("alice", dir.resolve("alice"), pins);
        assertThat(open(bob, "alice", aliceAgain.ratchet.encrypt("bob", utf8("three"))))
                .isEqualTo("three");
    }

    @Test
    void aBatchDecryptedUnsyncedOpensAgainAfterACrashBeforeTheSyncAndNeverAfterIt() throws Exception {
        SignalDevice alice = new SignalDevice("alice", dir.resolve("alice"), pins);
        SignalDevice bob = new SignalDevice("bob", dir.resolve("bob"), pins);
        alice.ratchet.start("bob", bob.bundle());
        Ratchet.Sealed first = alice.ratchet.encrypt("bob", utf8("one"));
        // a first message is synced at once even unsynced: its one-time prekey is gone from disk after it
        assertThat(new String(bob.ratchet.decryptUnsynced("alice", first.type(), first.body()), StandardCharsets.UTF_8))
                .isEqualTo("one");
        assertThat(new SignalDevice("bob", dir.resolve("bob"), pins).ratchet.hasSession("alice"))
                .isTrue();
        Ratchet.Sealed back = bob.ratchet.encrypt("alice", utf8("back")); // alice's next ones are ratchet messages
        assertThat(open(alice, "bob", back)).isEqualTo("back");
        Ratchet.Sealed two = alice.ratchet.encrypt("bob", utf8("two"));
        Ratchet.Sealed three = alice.ratchet.encrypt("bob", utf8("three"));
        bob.ratchet.decryptUnsynced("alice", two.type(), two.body());
        bob.ratchet.decryptUnsynced("alice", three.type(), three.body());

        // bob is killed before the batch's sync: the restarted client opens both again (nothing lost)
        SignalDevice crashed = new SignalDevice("bob", dir.resolve("bob"), pins);
        assertThat(open(crashed, "alice", two)).isEqualTo("two");

        bob.ratchet.sync();
        // after the sync, a restart finds both keys used (nothing doubled)
        SignalDevice restarted = new SignalDevice("bob", dir.resolve("bob"), pins);
        assertOpenedBefore(restarted, "alice", three);
    }

    @Test
    void preKeyMessagesAfterTheFirstWaitForTheSyncLikeAnyOther() throws Exception {
        SignalDevice alice = new SignalDevice("alice", dir.resolve("alice"), pins);
        SignalDevice bob = new SignalDevice("bob", dir.resolve("bob"), pins);
        alice.ratchet.start("bob", bob.bundle());
        // alice has not heard from bob: each of her messages is a PreKey message on the same base key
        Ratchet.Sealed one = alice.ratchet.encrypt("bob", utf8("one"));
        Ratchet.Sealed two = alice.ratchet.encrypt("bob", utf8("two"));
        assertThat(two.type()).isEqualTo(CiphertextMessage.PREKEY_TYPE);
        bob.ratchet.decryptUnsynced("alice", one.type(), one.body()); // starts the session: synced at once
        assertThat(new String(bob.ratchet.decryptUnsynced("alice", two.type(), two.body()), StandardCharsets.UTF_8))
                .isEqualTo("two");

        // bob is killed before the batch's sync: two opens again (its key was not used up on disk)
        SignalDevice crashed = new SignalDevice("bob", dir.resolve("bob"), pins);
        assertThat(open(crashed, "alice", two)).isEqualTo("two");

        bob.ratchet.sync();
        SignalDevice restarted = new SignalDevice("bob", dir.resolve("bob"), pins);
        assertOpenedBefore(restarted, "alice", two);
    }

    @Test
    void aCopiedKeyDirectoryCannotOpenMessagesReadBeforeTheCopy() throws Exception {
        SignalDevice alice = new SignalDevice("alice", dir.resolve("alice"), pins);
        SignalDevice bob = new SignalDevice("bob", dir.resolve("bob"), pins);
        alice.ratchet.start("bob", bob.bundle());
        // An on-path attacker records every ciphertext; bob reads them as they come.
        Ratchet.Sealed[] captured = new Ratchet.Sealed[4];
        for (int i = 0; i < captured.length; i++) {
            captured[i] = i % 2 == 0
                    ? alice.ratchet.encrypt("bob", utf8("from alice " + i))
                    : bob.ratchet.encrypt("alice", utf8("from bob " + i));
            SignalDevice reader = i % 2 == 0 ? bob : alice;
            assertThat(open(reader, i % 2 == 0 ? "alice" : "bob", captured[i])).endsWith(" " + i);
        }

        // Later the attacker copies bob's whole key directory (identity, prekeys, sessions).
        Path stolen = dir.resolve("stolen");
        copy(bob.keys, stolen);
        SignalDevice thief = new SignalDevice("bob", stolen, pins);
        for (int i = 0; i < captured.length; i += 2) {
            Ratchet.Sealed c = captured[i];
            assertThatThrownBy(() -> open(thief, "alice", c))
                    .as("captured message %d", i)
                    .isInstanceOf(Ratchet.RatchetException.class);
        }
    }

    @Test
    void anUntrustedOrUnusableBundleIsRefusedForThatPeerOnly() throws Exception {
        SignalDevice alice = new SignalDevice("alice", dir.resolve("alice"), pins);
        SignalDevice bob = new SignalDevice("bob", dir.resolve("bob"), pins);
        SignalDevice carol = new SignalDevice("carol", dir.resolve("carol"), pins);
        PreKeyBundle good = bob.bundle();

        // A low-order signed prekey (all zeros) is refused before libsignal agrees on anything.
        byte[] zero = new byte[33];
        zero[0] = 5;
        PreKeyBundle lowOrder = good.toBuilder()
                .setSignedPreKey(good.getSignedPreKey().toBuilder().setPublicKey(ByteString.copyFrom(zero)))
                .build();
        assertThatThrownBy(() -> alice.ratchet.start("bob", lowOrder))
                .isInstanceOfSatisfying(
                        Ratchet.RatchetException.class,
                        e -> assertThat(e.fault()).isEqualTo(Ratchet.Fault.INVALID_KEY));

        // carol's bundle presented as bob's: the identity is not the one pinned for bob.
        assertThatThrownBy(() -> alice.ratchet.start("bob", carol.bundle()))
                .isInstanceOfSatisfying(
                        Ratchet.RatchetException.class,
                        e -> assertThat(e.fault()).isEqualTo(Ratchet.Fault.UNTRUSTED));
        assertThat(alice.ratchet.hasSession("bob")).isFalse();

        // Neither touched carol's session or bob's real one.
        alice.ratchet.start("carol", carol.bundle());
        alice.ratchet.start("bob", good);
        assertThat(open(bob, "alice", alice.ratchet.encrypt("bob", utf8("hi")))).isEqualTo("hi");
        assertThat(open(carol, "alice", alice.ratchet.encrypt("carol", utf8("hi carol"))))
                .isEqualTo("hi carol");
    }

    @Test
    void theKyberPrekeyServesEverySenderAndARotationKeepsTheOneBeforeUnderANewId() throws Exception {
        SignalDevice alice = new SignalDevice("alice", dir.resolve("alice"), pins);
        // The bundle a server gives when alice's one-time stock is empty: signed and Kyber prekey only.
        PreKeyBundle lastResort =
                alice.bundle().toBuilder().clearOneTimePreKey().build();
        int firstId = lastResort.getKyberPreKey().getId();
        assertThat(firstId).isEqualTo(1);
        assertThat(lastResort.getSignedPreKey().getId()).isEqualTo(firstId);

        // Two senders from the same Kyber prekey: the first one's use does not take it away from the second.
        for (String sender : java.util.List.of("bob", "charlie")) {
            SignalDevice u = new SignalDevice(sender, dir.resolve(sender), pins);
            u.ratchet.start("alice", lastResort);
            assertThat(open(alice, sender, u.ratchet.encrypt("alice", utf8("from " + sender))))
                    .isEqualTo("from " + sender);
        }
        assertThat(alice.store.containsKyberPreKey(firstId)).isTrue();

        // A rotation gives both prekeys a new id and keeps the ones before: a bundle fetched earlier still works.
        PreKeyBundle fetchedBefore = alice.bundle();
        alice.store.rotateSignedPreKeys();
        assertThat(alice.store.currentKyberPreKey().getId()).isEqualTo(2);
        assertThat(alice.store.currentSignedPreKey().getId()).isEqualTo(2);
        SignalDevice dave = new SignalDevice("dave", dir.resolve("dave"), pins);
        dave.ratchet.start("alice", fetchedBefore);
        assertThat(open(alice, "dave", dave.ratchet.encrypt("alice", utf8("late"))))
                .isEqualTo("late");

        // Two rotations later the first prekeys are gone: a sender still holding a bundle that names them
        // makes messages its reader cannot open, and nothing tells the sender.
        PreKeyBundle stale = alice.bundle().toBuilder()
                .setSignedPreKey(lastResort.getSignedPreKey())
                .setKyberPreKey(lastResort.getKyberPreKey())
                .build();
        alice.store.rotateSignedPreKeys();
        assertThat(alice.store.containsKyberPreKey(firstId)).isFalse();
        SignalDevice erin = new SignalDevice("erin", dir.resolve("erin"), pins);
        erin.ratchet.start("alice", stale);
        Ratchet.Sealed lost = erin.ratchet.encrypt("alice", utf8("lost"));
        assertThatThrownBy(() -> open(alice, "erin", lost))
                .isInstanceOfSatisfying(
                        Ratchet.RatchetException.class,
                        e -> assertThat(e.fault()).isEqualTo(Ratchet.Fault.UNDECRYPTABLE));
    }

    /** The one session file as a restarted client finds it (the journal applied). */
    private static byte[] sessionOnDisk(Path keys) throws Exception {
        StateJournal.open(keys);
        try (Stream<Path> files = Files.list(keys.resolve(SessionFiles.DIR))) {
            return Files.readAllBytes(files.findFirst().orElseThrow());
        }
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
