package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.SendRequest;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.WireSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKeyPair;

/**
 * What the Double Ratchet and the counters inside it make visible, with real client processes: a replay after a
 * restart, a dropped message, and a group member whose keys cannot be used.
 */
class RatchetIT extends OneNodeTest {
    /** alice is the test JVM (with her own key directory), bob a real client that accepted her request. */
    private WireSession aliceOnTheWireChattingWith(ClientProcess bob) {
        WireSession alice = WireSession.login("alice", keys().resolve("alice"), server.port());
        Chats.open(alice, bob);
        return alice;
    }

    /**
     * Also: the reader is killed (-9) in the middle of a burst, while batches of it are decrypted, synced and shown;
     * after the restart every message of the burst has been shown exactly once, by one process or the other.
     */
    @Test
    void aCiphertextReplayedAfterTheReaderRestartedIsNotShown() {
        ChatRef toBob = ChatIds.toUser("bob");
        SendRequest invoice;
        int burst = 40;
        try (ClientProcess bob = client("bob");
                WireSession alice = aliceOnTheWireChattingWith(bob)) {
            invoice = alice.encrypted(toBob, "please pay invoice 1", "bob");
            alice.send(invoice);
            bob.awaitLine("[alice] please pay invoice 1");
            // sealed first, then sent back to back: bob reads them in batches, and the kill finds one between its
            // sync and the screen more often than not
            List<SendRequest> messages = new ArrayList<>();
            for (int i = 1; i <= burst; i++) {
                messages.add(alice.encrypted(toBob, "burst " + i, "bob"));
            }
            messages.forEach(alice::send);
            bob.awaitLine("[alice] burst 5");
            bob.kill(); // kill -9 with the rest of the burst on its way in
            assertThat(bob.awaitExit()).isNotZero();

            try (ClientProcess again = client("bob")) {
                again.awaitLine("[Spartan] Connected to Spartan Server at port " + server.port() + ".");
                alice.send(alice.encrypted(toBob, "after the restart", "bob"));
                again.awaitLine("[alice] after the restart"); // everything before it came first
                // Each is shown exactly once: a batch's plaintexts are durable with its state, so what the kill
                // caught between a batch's sync and the screen is shown by the restarted client (README, Messages
                // over the Double Ratchet), and what was shown is not shown again.
                List<Integer> missing = new ArrayList<>();
                for (int i = 1; i <= burst; i++) {
                    String line = "[alice] burst " + i;
                    long shown = bob.out().count(line) + again.out().count(line);
                    assertThat(shown)
                            .as(
                                    "%s; before the kill: %s; after: %s",
                                    line, bob.out().lines(), again.out().lines())
                            .isLessThanOrEqualTo(1);
                    if (shown == 0) {
                        missing.add(i);
                    }
                }
                assertThat(missing)
                        .as(
                                "lost at the kill; before it: %s; after: %s",
                                bob.out().lines(), again.out().lines())
                        .isEmpty();
                // The server (or anyone who recorded the wire) sends the same ciphertext as a new message.
                alice.send(invoice.toBuilder()
                        .setMessageId(UUID.randomUUID().toString())
                        .build());
                alice.send(alice.encrypted(toBob, "marker", "bob"));
                again.awaitLine("[alice] marker");
                assertThat(again.out().lines())
                        .noneMatch(l -> l.contains("invoice 1"))
                        .noneMatch(l -> l.contains("WARNING") || l.contains("missing"));
            }
        }
    }

    @Test
    void aMessageTheServerDroppedIsReportedMissingAndALateOneIsShownInOrder() {
        ChatRef toBob = ChatIds.toUser("bob");
        try (ClientProcess bob = client("bob");
                WireSession alice = aliceOnTheWireChattingWith(bob)) {
            SendRequest one = alice.encrypted(toBob, "one", "bob");
            alice.encrypted(toBob, "two", "bob"); // sealed (its number used), never sent
            SendRequest three = alice.encrypted(toBob, "three", "bob");
            SendRequest four = alice.encrypted(toBob, "four", "bob");
            SendRequest five = alice.encrypted(toBob, "five", "bob");
            alice.send(one);
            int first = bob.awaitLine("[alice] one");
            // "two" never arrives; "four" comes before "three".
            alice.send(four);
            alice.send(three);
            int late = bob.awaitLine("[alice] three");
            assertThat(bob.awaitLine("[alice] four")).isGreaterThan(late);
            alice.send(five);
            int missing = bob.awaitLine("[Spartan] 1 message from alice is missing");
            int after = bob.awaitLine("[alice] five");
            assertThat(first).isLessThan(missing);
            assertThat(missing).isLessThan(late);
            assertThat(late).isLessThan(after);
            assertThat(bob.out().lines()).noneMatch(l -> l.contains("[alice] two"));
        }
    }

    @Test
    void aGroupMemberWhoseKeysCannotBeUsedIsReportedAndTheOthersStillRead() throws Exception {
        // charlie has enrolled (keys) but never uploaded prekeys; eve's key is not the one alice pinned.
        try (WireSession charlie = WireSession.login("charlie", keys().resolve("charlie"), server.port());
                WireSession eve = WireSession.login("eve", keys().resolve("eve"), server.port())) {
            eve.publishPreKeys(5);
            assertThat(charlie.user()).isEqualTo("charlie");
        }
        Path aliceKeys = keys().resolve("alice");
        Files.createDirectories(aliceKeys);
        Files.writeString(
                aliceKeys.resolve("known_identities"),
                "eve "
                        + Base64.getEncoder()
                                .encodeToString(IdentityKeyPair.generate()
                                        .getPublicKey()
                                        .serialize())
                        + "\n");
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob")) {
            alice.out().awaitRaw(ENTER_USER);
            bob.out().awaitRaw(ENTER_USER);
            alice.type("group1");
            alice.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
            alice.type("board meeting moved to 9am");
            bob.awaitLine("[group1] [alice] board meeting moved to 9am");
            alice.awaitLine("[Spartan] WARNING: charlie cannot read your messages in group1: charlie has no prekeys on"
                    + " the server yet.");
            alice.awaitLine("[Spartan] WARNING: eve cannot read your messages in group1: eve's key changed (see"
                    + " /verify eve).");
            assertThat(alice.out().lines()).noneMatch(l -> l.startsWith("[Spartan] Message not sent"));
            assertThat(alice.quit()).isZero();
        }
        try (WireSession alice = WireSession.login("alice", keys().resolve("alice"), server.port())) {
            List<ChatMessage> sent = alice.history(ChatIds.toGroup("group1"));
            assertThat(sent).hasSize(1);
            assertThat(sent.get(0).getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
            assertThat(sent.get(0).getSealed().getUnreadableList()).containsExactlyInAnyOrder("charlie", "eve");
        }
    }
}
