package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.Membership;
import dev.spartan.proto.Group;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.ForgedKeys;
import dev.spartan.testing.GhostProxy;
import dev.spartan.testing.Ports;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsNode;
import dev.spartan.tls.ServerCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that lies, caught by real clients: a node (in the test's JVM, as {@code spartan server --plaintext
 * --proxy-cert} starts it) behind a TLS front end of the operator's own ({@link GhostProxy}, its own certificate)
 * that rewrites what it relays, differently for each user. The clients compare the group each message was encrypted
 * for with their own (PROTOCOL.md, "Group views").
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the forged key log last: alice's client keeps its head
class LyingServerIT {
    @TempDir
    static Path dir;

    private static TlsNode node;
    private static GhostProxy relay;
    // One client per user for the whole class, as people who stay logged in while the server lies to them.
    private static ClientProcess alice;
    private static ClientProcess bob;
    private static ClientProcess charlie;
    private static ClientProcess eve;
    private static ClientProcess foo;

    @BeforeAll
    static void start() throws Exception {
        ServerCertificate certificate =
                ServerCertificate.selfSigned(Set.of("localhost", "127.0.0.1"), Clock.systemUTC());
        Path pem = dir.resolve("relay.crt");
        certificate.write(pem, dir.resolve("relay.key"));
        int port = Ports.free();
        relay = new GhostProxy(certificate, port, Set.of(), "");
        node = TlsNode.behindProxy(
                dir.resolve("server"),
                ServerProcess.defaultConfig().replaceFirst("(?m)^users: \\[(.*)]", "users: [$1,mallory]")
                        + "\nrate_limit:\n  max_calls: 1000\n  window_seconds: 1\n",
                port,
                pem);
        // Scenario 1's lie is told from charlie's first login on: mallory is in group1, for him alone.
        relay.rewriteFor(
                "charlie",
                g -> g.getName().equals("group1") && !g.getMembersList().contains("mallory")
                        ? g.toBuilder().addMembers("mallory").build()
                        : g);
        Path keys = dir.resolve("keys");
        alice = new ClientProcess("alice", keys, relay.port());
        bob = new ClientProcess("bob", keys, relay.port());
        Path elsewhere = Files.createDirectories(dir.resolve("charlies-machine")); // no config.yaml there
        charlie = ClientProcess.in(elsewhere, "charlie", keys, relay.port());
        eve = new ClientProcess("eve", keys, relay.port());
        foo = new ClientProcess("foo", keys, relay.port());
        for (ClientProcess c : List.of(alice, bob, charlie, eve, foo)) {
            c.out().awaitRaw(ENTER_USER);
        }
    }

    @AfterAll
    static void stop() {
        for (ClientProcess c : List.of(alice, bob, charlie, eve, foo)) {
            if (c != null) {
                c.close();
            }
        }
        relay.close();
        node.close();
    }

    /**
     * Scenario 1: charlie runs where no config.yaml lies, and the server adds mallory to group1 for him alone. His
     * client says the member list is unverified; at the first message each way both sides are warned, and alice's
     * client tells charlie's inside the encryption.
     */
    @Test
    @Order(1)
    void aMemberAddedForOneReaderIsSeenAtTheFirstMessageEachWay() {
        charlie.awaitLine("[Spartan] [group1] The members of group1 (alice,bob,charlie,eve,mallory) are as the"
                + " server shows them, not verified yet: there is no config.yaml here. Each member's client says"
                + " in its messages whom it encrypts for, and you are warned if that differs.");
        alice.type("group1");
        alice.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
        charlie.type("group1");
        charlie.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve,mallory).");

        charlie.type("the plan for friday");
        alice.awaitLine("[Spartan] WARNING: charlie's client sent this group1 message to different members than"
                + " you know (+mallory)");
        alice.awaitLine("[group1] [charlie] the plan for friday");
        charlie.awaitLine("[Spartan] WARNING: alice's client says your group1 message went to different members"
                + " than it knows (+mallory).");

        alice.type("who else reads this?");
        charlie.awaitLine("[Spartan] WARNING: alice's client sent this group1 message to different members than"
                + " you know (-mallory)");
        charlie.awaitLine("[group1] [alice] who else reads this?");
        assertThat(charlie.out().lines()).noneMatch(l -> l.contains("config.yaml, and"));
    }

    /**
     * Scenario 4: eve left proj, and the server hides her LEAVE from alice. alice's next message is encrypted for eve
     * too; eve's client does not show it and says why, and bob's client sees alice encrypted for a member who left.
     */
    @Test
    @Order(2)
    void aWithheldLeaveIsSeenByTheMemberWhoLeft() {
        alice.type("/newgroup proj bob eve");
        alice.awaitLine("[Spartan] Created proj (alice,bob,eve).");
        bob.out().awaitRaw("[Spartan] alice added you to 'proj' with eve. Enter 'yes' to join or 'no': ");
        bob.type("yes");
        eve.out().awaitRaw("[Spartan] alice added you to 'proj' with bob. Enter 'yes' to join or 'no': ");
        eve.type("yes");
        alice.awaitLine("[Spartan] [proj] bob joined.");
        alice.awaitLine("[Spartan] [proj] eve joined.");

        // From now on alice is shown proj as it was created: eve's LEAVE is withheld from her, and her copy of
        // alice's messages goes around the node to eve, who is no longer a reader there.
        relay.rewriteFor("alice", LyingServerIT::asCreated);
        relay.divert("alice", "proj", "eve");
        eve.type("/leave proj");
        eve.awaitLine("[Spartan] You left proj.");
        bob.awaitLine("[Spartan] [proj] eve left.");

        alice.type("/group proj");
        alice.awaitLine("[Spartan] You are now ready to chat in proj (alice,bob,eve).");
        alice.type("the budget is final");
        eve.awaitLine("[Spartan] WARNING: alice's client sent you a message in proj, which you left: it has not"
                + " seen your leave (the server has not passed it on). The message was not shown.");
        bob.awaitLine("[Spartan] WARNING: alice's client sent this proj message to different members than you"
                + " know (+eve)");
        bob.awaitLine("[proj] [alice] the budget is final");
        alice.awaitLine("[Spartan] WARNING: bob's client says your proj message went to different members than"
                + " it knows (+eve).");
        assertThat(eve.out().lines()).noneMatch(l -> l.contains("the budget is final"));
        assertThat(relay.sent().stream()
                        .filter(r -> r.getTo().getGroup().equals("proj")
                                && (r.getSealed().getCiphertextsMap().containsKey("eve")
                                        || r.getSealed().getKeyHoldersList().contains("eve"))))
                .isNotEmpty(); // the lie worked: alice's client did encrypt for eve
    }

    /**
     * Scenarios 2 and 3: the server hands alice a key it made for foo, at her first contact with foo, with a key log
     * of its own (its real log plus that key, signed with its log key) that it shows alice alone. Every proof checks
     * out for her; bob (and every other reader), shown the real log, catches it at her next message to him. A key
     * the server logs for bar, who never enrolled, and shows bar in that same log, bar's client finds at its login.
     */
    @Test
    @Order(3)
    void aKeyMadeByTheServerIsCaughtByTheNextContactOrAtTheOwnersNextLogin() {
        try (ForgedKeys forged = new ForgedKeys(node.store(), dir.resolve("forged-log"), "foo")) {
            relay.forge("alice", forged);
            alice.type("/chat foo");
            alice.awaitLine("[Spartan] You are now ready to chat with foo.");
            foo.out().awaitRaw(Chats.requestPrompt("alice"));
            foo.type("yes");
            alice.awaitLine("[Spartan] foo accepted your chat request.");
            alice.type("for your eyes only");
            foo.out().awaitRaw("[Spartan] WARNING: a message the server says is from alice "); // foo cannot read it
            alice.type("/group group1");
            alice.type("meeting at noon");
            bob.awaitLine("[Spartan] WARNING: the server shows alice's client another key log than yours: keys it"
                    + " handed out to one of you are hidden from the other.");
            assertThat(foo.out().lines()).noneMatch(l -> l.contains("for your eyes only"));

            // The server also logged a key of its own for bar, who never enrolled, and shows bar the same log as
            // alice (so that no message between them gives it away): bar's first login finds it.
            forged.publish("bar");
            relay.forge("bar", forged);
            try (ClientProcess bar = new ClientProcess("bar", dir.resolve("keys"), relay.port())) {
                bar.awaitLine("[Spartan] WARNING: the server published a key for you that is not yours");
            }
        } finally {
            relay.forge("alice", null);
            relay.forge("bar", null);
        }
    }

    /** proj as its CREATE statement made it: every later statement withheld. */
    private static Group asCreated(Group g) {
        if (!g.getName().equals("proj") || g.getChainCount() < 2) {
            return g;
        }
        try {
            return g.toBuilder()
                    .clearChain()
                    .addChain(g.getChain(0))
                    .clearMembers()
                    .addAllMembers(Membership.parse(g.getChain(0)).getMembersList())
                    .build();
        } catch (Membership.Refused e) {
            return g;
        }
    }
}
