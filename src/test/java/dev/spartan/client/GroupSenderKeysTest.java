package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.contract.GroupViews;
import dev.spartan.crypto.Ratchet;
import dev.spartan.crypto.SenderKeys;
import dev.spartan.crypto.StateJournal;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Plaintext;
import dev.spartan.proto.Sealed;
import dev.spartan.testing.SignalDevice;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * Group messages under sender keys with real libsignal state in key directories (PROTOCOL.md, "The envelope",
 * sender-key path): one SenderKeyMessage for all readers, a key carrier over the pairwise session for each device
 * that lacks the key, rotation when the group changes.
 */
class GroupSenderKeysTest {
    private static final ChatRef TEAM = ChatRef.newBuilder().setGroup("team").build();

    @TempDir
    Path dir;

    private final Map<String, IdentityKey> pins = new HashMap<>();

    /** A device as a client holds it: pairwise sessions, sender keys, and (as sender) its group state. */
    private final class Device {
        final String address;
        final SignalDevice signal;
        final SenderKeys keys;
        final GroupSealer sealer;

        Device(String address) throws Exception {
            this.address = address;
            this.signal = new SignalDevice(address, dir.resolve(address), pins);
            this.keys = SenderKeys.open(signal.keys, signal.journal);
            this.sealer = new GroupSealer(address, keys);
        }

        /** Seals {@code text} as Envelopes does for a group whose members are {@code members}. */
        ChatMessage send(String id, String text, List<String> members, List<Device> readers) throws Exception {
            Plaintext.Builder content = Plaintext.newBuilder()
                    .setText(text)
                    .setCounter(1)
                    .setMessageId(id)
                    .setChat(TEAM)
                    .setGroupView(GroupViews.of("team", members.size(), members));
            List<String> addresses = readers.stream().map(d -> d.address).toList();
            GroupSealer.Plan plan = sealer.plan(id, "team", SenderKeyCarriers.view(content, members), addresses);
            byte[] carrier = SenderKeyCarriers.carrier(id, TEAM, plan.distribution());
            Sealed.Builder sealed = Sealed.newBuilder();
            for (String needer : plan.needers()) {
                Device reader = readers.stream()
                        .filter(d -> d.address.equals(needer))
                        .findFirst()
                        .orElseThrow();
                if (!signal.ratchet.hasSession(needer)) {
                    signal.ratchet.start(needer, reader.signal.bundle());
                }
                Ratchet.Sealed s = signal.ratchet.encryptUnsynced(needer, carrier);
                sealed.putCiphertexts(
                        needer,
                        Ciphertext.newBuilder()
                                .setType(s.type())
                                .setBody(ByteString.copyFrom(s.body()))
                                .build());
            }
            SenderKeyCarriers.seal(sealed, content, plan, Set.of(), sealer);
            sealer.gave(id, plan, new HashSet<>(sealed.getCiphertextsMap().keySet()));
            signal.ratchet.sync();
            sealer.sync();
            return ChatMessage.newBuilder()
                    .setMessageId(id)
                    .setSender(address)
                    .setChat(TEAM)
                    .setSealed(sealed)
                    .build();
        }

        /** Opens a message as Envelopes does: its carrier if any, then the one ciphertext. */
        Plaintext open(ChatMessage m) throws Exception {
            Ciphertext mine = m.getSealed().getCiphertextsMap().get(address);
            if (mine != null) {
                byte[] carrier = signal.ratchet.decrypt(
                        m.getSender(), mine.getType(), mine.getBody().toByteArray());
                Plaintext c = Plaintext.parseFrom(carrier);
                assertThat(c.getText()).isEmpty();
                assertThat(c.getCounter()).isZero();
                assertThat(c.getSenderKeyDistribution()).isNotEmpty();
                assertThat(SenderKeyCarriers.take(m, carrier, m.getSender(), keys))
                        .isTrue();
            }
            byte[] plain =
                    keys.decrypt(m.getSender(), m.getSealed().getSenderKey().toByteArray());
            keys.sync(); // as a receive batch does before it shows the message
            return Plaintext.parseFrom(plain);
        }
    }

    private static Ratchet.Fault faultOf(Throwable e) {
        return ((Ratchet.RatchetException) e).fault();
    }

    @Test
    void theFirstMessageCarriesTheKeyAndLaterOnesAreOneCiphertextForAll() throws Exception {
        Device alice = new Device("alice");
        Device bob = new Device("bob");
        Device carol = new Device("carol");
        List<String> members = List.of("alice", "bob", "carol");

        ChatMessage first = alice.send("m1", "one", members, List.of(bob, carol));
        assertThat(first.getSealed().getCiphertextsMap()).containsOnlyKeys("bob", "carol");
        assertThat(first.getSealed().getKeyHoldersList()).isEmpty();
        // A carrier in a new session (a PreKeySignalMessage with Kyber) fits the server's bound (PROTOCOL.md, Sizes).
        assertThat(first.getSealed().getCiphertextsMap().values())
                .allSatisfy(c -> assertThat(c.getType()).isEqualTo(3))
                .allSatisfy(c -> assertThat(c.getBody().size())
                        .isBetween(1500, dev.spartan.chat.SenderKeyMessages.CARRIER_MAX_BYTES - 150)); // 1,856 here
        assertThat(bob.open(first).getText()).isEqualTo("one");
        assertThat(carol.open(first).getGroupView().getMembersList()).containsExactlyElementsOf(members);
        alice.sealer.stored("m1");

        ChatMessage second = alice.send("m2", "two", members, List.of(bob, carol));
        assertThat(second.getSealed().getCiphertextsMap()).isEmpty();
        assertThat(second.getSealed().getKeyHoldersList()).containsExactly("bob", "carol");
        Plaintext read = bob.open(second);
        assertThat(read.getText()).isEqualTo("two");
        // No carrier: the view is its version and hash only; the reader knows the list from the first message.
        assertThat(read.getGroupView().getMembersList()).isEmpty();
        assertThat(read.getGroupView().getMembersHash()).isEqualTo(GroupViews.hash("team", 3, members));
        assertThat(carol.open(second).getText()).isEqualTo("two");
        // A replay does not open twice, also after a restart of the reader's client.
        Device bobAgain = new Device("bob");
        assertThatThrownBy(() -> bobAgain.open(second))
                .satisfies(e -> assertThat(faultOf(e)).isEqualTo(Ratchet.Fault.DUPLICATE));
    }

    @Test
    void aMemberWhoLeftCannotReadLaterMessagesWithItsOldState() throws Exception {
        Device alice = new Device("alice");
        Device bob = new Device("bob");
        Device carol = new Device("carol");
        ChatMessage before = alice.send("m1", "one", List.of("alice", "bob", "carol"), List.of(bob, carol));
        alice.sealer.stored("m1");
        bob.open(before);
        carol.open(before);

        // carol leaves: the view changes, the key rotates, and only bob is given the new one.
        ChatMessage after = alice.send("m2", "secret", List.of("alice", "bob"), List.of(bob));
        assertThat(after.getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
        assertThat(bob.open(after).getText()).isEqualTo("secret");
        // carol is given the later bytes anyway (a server that keeps her as a reader): her state does not open them.
        ChatMessage toCarol = after.toBuilder()
                .setSealed(after.getSealed().toBuilder().clearCiphertexts())
                .build();
        assertThatThrownBy(() -> carol.open(toCarol))
                .satisfies(e -> assertThat(faultOf(e)).isEqualTo(Ratchet.Fault.UNDECRYPTABLE));
    }

    @Test
    void aReaderKeepsTheSendersCurrentKeyAndTheOneBeforeAndDeletesOlderOnes() throws Exception {
        Device alice = new Device("alice");
        Device bob = new Device("bob");
        List<String> members = new java.util.ArrayList<>(List.of("alice", "bob"));
        ChatMessage last = null;
        for (int i = 1; i <= 4; i++) {
            members.add("member" + i); // each message under another view: the key rotates every time
            last = alice.send("m" + i, "text " + i, members, List.of(bob));
            alice.sealer.stored("m" + i);
            assertThat(last.getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
            assertThat(bob.open(last).getText()).isEqualTo("text " + i);
        }
        StateJournal.open(bob.signal.keys); // brings the files up to date, as a restart does
        try (var files = java.nio.file.Files.list(bob.signal.keys.resolve("sender_keys"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".key")))
                    .as("alice's keys kept by bob")
                    .hasSize(2);
        }
        Device bobAgain = new Device("bob");
        ChatMessage newest = last;
        assertThatThrownBy(() -> bobAgain.open(newest)) // the newest key is there, at its step after the message
                .satisfies(e -> assertThat(faultOf(e)).isEqualTo(Ratchet.Fault.DUPLICATE));
    }

    @Test
    void aDeviceAddedLaterGetsTheKeyWithoutRotationAndCannotReadEarlierMessages() throws Exception {
        Device alice = new Device("alice");
        Device bob = new Device("bob");
        Device bob2 = new Device("bob#2");
        List<String> members = List.of("alice", "bob");
        ChatMessage first = alice.send("m1", "one", members, List.of(bob));
        alice.sealer.stored("m1");
        bob.open(first);
        ChatMessage earlier = alice.send("m2", "before bob#2", members, List.of(bob));
        alice.sealer.stored("m2");

        ChatMessage later = alice.send("m3", "after", members, List.of(bob, bob2));
        assertThat(later.getSealed().getCiphertextsMap()).containsOnlyKeys("bob#2"); // no rotation: bob holds it
        assertThat(later.getSealed().getKeyHoldersList()).containsExactly("bob");
        assertThat(bob2.open(later).getText()).isEqualTo("after");
        assertThat(bob.open(earlier).getText()).isEqualTo("before bob#2");
        assertThat(bob.open(later).getText()).isEqualTo("after");
        assertThatThrownBy(() -> bob2.open(earlier)).isInstanceOf(Ratchet.RatchetException.class);
    }

    @Test
    void aRetryGivesTheKeyAgainButAnotherMessageInFlightDoesNot() throws Exception {
        Device alice = new Device("alice");
        Device bob = new Device("bob");
        List<String> members = List.of("alice", "bob");
        ChatMessage first = alice.send("m1", "one", members, List.of(bob));
        ChatMessage next = alice.send("m2", "two", members, List.of(bob)); // m1 not stored yet: still in flight
        assertThat(first.getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
        assertThat(next.getSealed().getCiphertextsMap()).isEmpty();
        // Both were refused (say, a device list changed) and are sealed again under their ids: m1 gives bob the key
        // again, m2 still does not, and nothing rotated.
        ChatMessage retry = alice.send("m1", "one", members, List.of(bob));
        ChatMessage nextRetry = alice.send("m2", "two", members, List.of(bob));
        assertThat(retry.getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
        assertThat(nextRetry.getSealed().getCiphertextsMap()).isEmpty();
        assertThat(bob.open(retry).getText()).isEqualTo("one");
        assertThat(bob.open(nextRetry).getText()).isEqualTo("two");
        // A message refused for good gives nobody the key: the next one carries it again.
        alice.sealer.failed("m1");
        assertThat(alice.send("m4", "four", members, List.of(bob)).getSealed().getCiphertextsMap())
                .containsOnlyKeys("bob");
    }
}
