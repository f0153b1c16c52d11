package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.Ratchet;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendRequest;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Group chats through the real jar: one server process, one client process per member. */
class GroupChatIT extends OneNodeTest {
    private static final List<String> GROUP1 = List.of("alice", "bob", "charlie", "eve");

    private static void closeAll(List<ClientProcess> clients) {
        clients.forEach(ClientProcess::close);
    }

    @Test
    void everyMemberGetsEveryOtherMembersMessagesOnceAndInOrder() {
        List<ClientProcess> members = new ArrayList<>();
        try (ClientProcess foo = client("foo")) {
            for (String m : GROUP1) {
                members.add(client(m));
            }
            for (ClientProcess c : members) {
                c.out().awaitRaw(ENTER_USER);
                c.type("group1");
            }
            for (ClientProcess c : members) {
                c.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
            }
            foo.out().awaitRaw(ENTER_USER);
            foo.type("group2");
            foo.awaitLine("[Spartan] You are now ready to chat in group2 (foo,bar,baz,qux).");

            for (int i = 1; i <= 3; i++) {
                for (int k = 0; k < GROUP1.size(); k++) {
                    members.get(k).type(GROUP1.get(k) + "-" + i);
                }
            }
            for (int r = 0; r < GROUP1.size(); r++) {
                ClientProcess reader = members.get(r);
                for (String sender : GROUP1) {
                    if (sender.equals(GROUP1.get(r))) {
                        continue;
                    }
                    int one = reader.awaitLine("[group1] [" + sender + "] " + sender + "-1");
                    int two = reader.awaitLine("[group1] [" + sender + "] " + sender + "-2");
                    int three = reader.awaitLine("[group1] [" + sender + "] " + sender + "-3");
                    assertThat(one).isLessThan(two);
                    assertThat(two).isLessThan(three);
                }
            }
            for (int r = 0; r < GROUP1.size(); r++) {
                ClientProcess reader = members.get(r);
                String me = GROUP1.get(r);
                List<String> groupLines = reader.out().lines().stream()
                        .filter(l -> l.startsWith("[group1] "))
                        .toList();
                // 3 from each of the other three, each once; never one's own message echoed back.
                assertThat(groupLines)
                        .as(me)
                        .hasSize(9)
                        .doesNotHaveDuplicates()
                        .noneMatch(l -> l.startsWith("[group1] [" + me + "] "));
                assertThat(reader.out().lines()).as(me).noneMatch(l -> l.contains("WARNING"));
            }
            // Everything has arrived everywhere; foo, outside group1, got none of it.
            assertThat(foo.out().lines())
                    .noneMatch(l -> l.contains("group1") && !l.contains("ready to chat"))
                    .noneMatch(l -> l.matches(".*(alice|bob|charlie|eve)-\\d.*"));
        } finally {
            closeAll(members);
        }
    }

    @Test
    void aNonMemberCanNeitherOpenNorSendToTheGroup() {
        try (ClientProcess foo = client("foo")) {
            foo.out().awaitRaw(ENTER_USER);
            foo.type("/group group1");
            foo.awaitLine("[Spartan] You are not a member of a group named 'group1'.");
            foo.type("group1");
            foo.awaitLine("[Spartan] there is no user 'group1'");
            assertThat(foo.quit()).isZero();
        }

        // At the protocol level: foo seals a well-formed message for all of group1 and sends it anyway.
        try (WireSession alice = WireSession.login("alice", keys().resolve("alice"), server.port());
                WireSession foo = WireSession.login("foo", keys().resolve("foo"), server.port())) {
            // Exactly the members as readers, so only membership can be the reason for a refusal.
            SendRequest send = foo.message(ChatIds.toGroup("group1"), "let me in", "alice", "bob", "charlie", "eve");
            assertThatThrownBy(() -> foo.send(send))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
            assertThatThrownBy(() -> foo.history(ChatIds.toGroup("group1")))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
            assertThat(alice.history(ChatIds.toGroup("group1"))).isEmpty();
        }
    }

    @Test
    void aMemberWhoWasOfflineGetsTheGroupMessagesInOrderWhenBack() {
        try (ClientProcess eve = client("eve")) {
            eve.out().awaitRaw(ENTER_USER);
            assertThat(eve.quit()).isZero();
        }
        // bob and charlie only need keys and prekeys on the server: log them in once from here.
        for (String m : List.of("bob", "charlie")) {
            try (WireSession member = WireSession.login(m, keys().resolve(m), server.port())) {
                member.publishPreKeys(5);
            }
        }
        try (ClientProcess alice = client("alice")) {
            alice.out().awaitRaw(ENTER_USER);
            alice.type("group1");
            alice.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
            alice.type("while you were out 1");
            alice.type("while you were out 2");
            alice.type("while you were out 3");
            alice.type("/quit"); // flushes the outbox before leaving
            assertThat(alice.awaitExit()).isZero();
            assertThat(alice.out().lines()).noneMatch(l -> l.startsWith("[Spartan] Message not sent"));
        }
        try (ClientProcess eve = client("eve")) {
            int connected = eve.awaitLine("[Spartan] Connected to Spartan Server at port " + server.port() + ".");
            int one = eve.awaitLine("[group1] [alice] while you were out 1");
            int two = eve.awaitLine("[group1] [alice] while you were out 2");
            int three = eve.awaitLine("[group1] [alice] while you were out 3");
            assertThat(one).isLessThan(two);
            assertThat(two).isLessThan(three);
            assertThat(eve.out().lines().subList(0, one)).doesNotContain("[Spartan] Recent messages in group1:");
            for (int i = 1; i <= 3; i++) {
                assertThat(eve.out().count("[group1] [alice] while you were out " + i))
                        .isEqualTo(1);
            }
            // The backlog is shown as ordinary lines once she is connected, not before the banner.
            assertThat(connected).isLessThan(one);
        }
        // Each member is sent the one sender-key ciphertext and at most its own key carrier, nobody else's.
        try (WireSession bob = WireSession.login("bob", keys().resolve("bob"), server.port())) {
            List<ChatMessage> got = bob.events(ReceiveRequest.getDefaultInstance(), 4).stream()
                    .filter(Event::hasMessage) // after StreamStarted
                    .map(Event::getMessage)
                    .toList();
            assertThat(got).hasSize(3).allSatisfy(m -> {
                assertThat(m.getSealed().getSenderKey()).isNotEmpty();
                assertThat(m.getSealed().getCiphertextsMap().keySet()).isSubsetOf("bob");
            });
            assertThat(got.get(0).getSealed().getCiphertextsMap()).containsOnlyKeys("bob"); // the key, once
        }
    }

    @Test
    void membersWhoNeverLoggedInAreNotReadersButTheGroupStillWorks() throws Exception {
        try (ClientProcess alice = client("alice")) {
            alice.out().awaitRaw(ENTER_USER);
            alice.type("group1");
            alice.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
            // Nobody else has ever logged in: the message is sealed for alice alone and accepted.
            alice.type("anyone there?");

            try (WireSession bob = WireSession.login("bob", keys().resolve("bob"), server.port())) {
                bob.publishPreKeys(5);
                alice.type("now it works");
                Iterator<Event> events = bob.stub().receiveMsg(ReceiveRequest.getDefaultInstance());
                List<String> received = new ArrayList<>();
                while (!received.contains("now it works") && events.hasNext()) {
                    Event e = events.next();
                    if (e.hasMessage()) {
                        // Everything bob gets was sealed for him: it opens.
                        received.add(bob.text(e.getMessage()));
                    }
                }
                assertThat(received).contains("now it works");
            }
            assertThat(alice.out().lines()).noneMatch(l -> l.startsWith("[Spartan] Message not sent"));
        }
    }

    @Test
    void aRuntimeGroupCanBeLeftAndLaterMessagesAreNotForTheLeaver() throws Exception {
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob");
                ClientProcess charlie = client("charlie")) {
            alice.out().awaitRaw(ENTER_USER);
            bob.out().awaitRaw(ENTER_USER);
            charlie.out().awaitRaw(ENTER_USER);
            // alice has no accepted chat with either: both are asked, and read nothing until they join.
            alice.type("/newgroup team bob charlie");
            alice.awaitLine("[Spartan] Created team (alice,bob,charlie).");
            alice.awaitLine(
                    "[Spartan] Invited bob,charlie (you have no accepted chat with each): they read team once they"
                            + " join.");
            bob.out().awaitRaw("[Spartan] alice added you to 'team' with charlie. Enter 'yes' to join or 'no': ");
            charlie.out().awaitRaw("[Spartan] alice added you to 'team' with bob. Enter 'yes' to join or 'no': ");
            bob.type("yes");
            bob.awaitLine("[Spartan] You are now ready to chat in team (alice,bob,charlie).");
            alice.awaitLine("[Spartan] [team] bob joined.");
            charlie.type("/accept team");
            charlie.awaitLine("[Spartan] You are now ready to chat in team (alice,bob,charlie).");
            alice.awaitLine("[Spartan] [team] charlie joined.");
            alice.type("/group team");
            alice.awaitLine("[Spartan] You are now ready to chat in team (alice,bob,charlie).");

            alice.type("hello team");
            bob.awaitLine("[team] [alice] hello team");
            charlie.awaitLine("[team] [alice] hello team");
            bob.type("hi from bob");
            alice.awaitLine("[team] [bob] hi from bob");
            charlie.awaitLine("[team] [bob] hi from bob");

            charlie.type("/leave team");
            charlie.awaitLine("[Spartan] You left team.");
            alice.awaitLine("[Spartan] Group team: alice,bob.");
            bob.awaitLine("[Spartan] Group team: alice,bob.");
            alice.type("after charlie left");
            bob.awaitLine("[team] [alice] after charlie left");
            alice.type("and again");
            bob.awaitLine("[team] [alice] and again");
            assertThat(charlie.out().lines()).noneMatch(l -> l.contains("after charlie left"));

            // Config groups are fixed.
            bob.type("/leave group1");
            bob.awaitLine("[Spartan] group1 comes from config.yaml and cannot be changed at run time");
            assertThat(bob.out().lines()).noneMatch(l -> l.equals("[Spartan] You left group1."));
            assertThat(alice.quit()).isZero();
        }

        // The raw ciphertexts as the server keeps them, fetched as alice (who sent them, in this order).
        List<ChatMessage> sent;
        try (WireSession alice = WireSession.login("alice", keys().resolve("alice"), server.port())) {
            sent = alice.history(ChatIds.toGroup("team")).stream()
                    .filter(m -> m.getSender().equals("alice"))
                    .toList();
        }
        assertThat(sent).hasSize(3);
        ChatMessage before = sent.get(0);
        ChatMessage after = sent.get(1);
        // Sender keys: alice's first message carries her key to bob and charlie; after charlie left the key is
        // rotated, so the next one carries a new key to bob alone (who held the old one), and the one after that
        // is the one ciphertext with no carrier at all.
        assertThat(sent)
                .allSatisfy(m -> assertThat(m.getSealed().getSenderKey()).isNotEmpty());
        assertThat(sent)
                .allSatisfy(m -> assertThat(m.getSealed().getKeyHoldersList()).isEmpty()); // never stored
        assertThat(before.getSealed().getCiphertextsMap()).containsOnlyKeys("bob", "charlie");
        assertThat(after.getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
        assertThat(sent.get(2).getSealed().getCiphertextsMap()).isEmpty();
        try (WireSession charlie = WireSession.login("charlie", keys().resolve("charlie"), server.port())) {
            // What charlie read once is gone from his keys, and bob's copy of the later message is not for him.
            assertThatThrownBy(() -> charlie.open(before))
                    .isInstanceOfSatisfying(
                            Ratchet.RatchetException.class,
                            e -> assertThat(e.fault()).isEqualTo(Ratchet.Fault.DUPLICATE));
            ChatMessage borrowed = after.toBuilder()
                    .setSealed(after.getSealed().toBuilder()
                            .putCiphertexts("charlie", after.getSealed().getCiphertextsOrThrow("bob")))
                    .build();
            assertThatThrownBy(() -> charlie.open(borrowed))
                    .isInstanceOfSatisfying(
                            Ratchet.RatchetException.class,
                            e -> assertThat(e.fault()).isEqualTo(Ratchet.Fault.UNDECRYPTABLE));
            // Given the later messages' one ciphertext as it is, charlie's old sender key does not open them.
            for (ChatMessage later : sent.subList(1, 3)) {
                ChatMessage bare = later.toBuilder()
                        .setSealed(later.getSealed().toBuilder().clearCiphertexts())
                        .build();
                assertThatThrownBy(() -> charlie.open(bare))
                        .isInstanceOfSatisfying(
                                Ratchet.RatchetException.class,
                                e -> assertThat(e.fault()).isEqualTo(Ratchet.Fault.UNDECRYPTABLE));
            }
        }
    }
}
