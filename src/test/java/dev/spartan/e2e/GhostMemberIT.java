package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.proto.SendRequest;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.GhostProxy;
import dev.spartan.testing.Ports;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsNode;
import dev.spartan.tls.ServerCertificate;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ghost-member attack, with real client processes: a node (in the test's JVM, started as {@code spartan server
 * --plaintext --proxy-cert} starts it) behind a TLS-terminating proxy that adds foo (a real, enrolled
 * user with real keys) to alice's groups wherever a group reaches her client. Her client refuses the change with a
 * warning, and no message she sends is encrypted for foo, while bob, whose proxy is honest, reads them.
 */
class GhostMemberIT {
    private static final String WARNING = "[Spartan] WARNING: the server sent a membership change of ";

    @TempDir
    Path dir;

    private TlsNode server;
    private ServerCertificate proxyCertificate;
    private GhostProxy honest;
    private GhostProxy haunted;

    @BeforeEach
    void start() throws Exception {
        proxyCertificate = ServerCertificate.selfSigned(Set.of("localhost", "127.0.0.1"), Clock.systemUTC());
        Path pem = dir.resolve("proxy.crt");
        proxyCertificate.write(pem, dir.resolve("proxy.key"));
        int port = Ports.free();
        honest = new GhostProxy(proxyCertificate, port, Set.of(), "");
        haunted = new GhostProxy(proxyCertificate, port, Set.of("group1", "team"), "foo");
        server = TlsNode.behindProxy(
                dir.resolve("server"),
                ServerProcess.defaultConfig() + "\nrate_limit:\n  max_calls: 1000\n  window_seconds: 1\n",
                port,
                pem);
    }

    @AfterEach
    void stop() {
        haunted.close();
        honest.close();
        server.close();
    }

    /** The devices a group message was encrypted for (its sender is never one: see PROTOCOL.md, The envelope). */
    private static Set<String> readers(SendRequest r) {
        Set<String> readers =
                new java.util.HashSet<>(r.getSealed().getCiphertextsMap().keySet());
        readers.addAll(r.getSealed().getKeyHoldersList()); // sender keys: those that hold the key get no carrier
        return readers;
    }

    private List<SendRequest> sentTo(String group) {
        return haunted.sent().stream()
                .filter(r -> r.getTo().getGroup().equals(group))
                .toList();
    }

    @Test
    void aGhostAddedByTheServerIsRefusedAndReadsNothing() {
        Path keys = dir.resolve("keys");
        try (ClientProcess foo = new ClientProcess("foo", keys, honest.port());
                ClientProcess bob = new ClientProcess("bob", keys, honest.port())) {
            foo.out().awaitRaw(ENTER_USER); // foo is enrolled: the server has real keys to hand out for the ghost
            bob.out().awaitRaw(ENTER_USER);
            try (ClientProcess alice = new ClientProcess("alice", keys, haunted.port())) {
                alice.awaitLine(WARNING + "group1 that is not signed by a member: ignored (group1 comes from"
                        + " config.yaml, and its members are alice,bob,charlie,eve (config.yaml), not"
                        + " alice,bob,charlie,eve,foo).");
                alice.out().awaitRaw(ENTER_USER);
                alice.type("group1");
                alice.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
                bob.type("group1");
                bob.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
                alice.type("board meeting moved to 9am");
                bob.awaitLine("[group1] [alice] board meeting moved to 9am");

                // A run-time group: the members alice signed are the members, whatever the answer says.
                alice.type("/newgroup team bob");
                alice.awaitLine(WARNING + "team that is not signed by a member: ignored (its members are alice,bob as"
                        + " signed, not alice,bob,foo).");
                alice.awaitLine("[Spartan] Created team (alice,bob).");
                // bob has no accepted chat with alice: he is asked (in group1's chat: as a notice), and joins.
                bob.awaitLine("[Spartan] alice added you to 'team'. /accept team to join or /decline team.");
                bob.type("/accept team");
                bob.awaitLine("[Spartan] You are now ready to chat in team (alice,bob).");
                alice.awaitLine("[Spartan] [team] bob joined.");
                alice.type("/group team");
                alice.awaitLine("[Spartan] You are now ready to chat in team (alice,bob).");
                alice.type("the numbers are in");
                bob.awaitLine("[team] [alice] the numbers are in");
                assertThat(alice.quit()).isZero();
            }
            assertThat(sentTo("group1"))
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(readers(r)).contains("bob").doesNotContain("foo"));
            assertThat(sentTo("team"))
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(readers(r)).containsOnly("bob"));
            assertThat(foo.out().lines())
                    .noneMatch(l -> l.contains("board meeting") || l.contains("numbers") || l.contains("WARNING"));
            assertThat(bob.out().lines()).noneMatch(l -> l.contains("WARNING"));
        }
    }

    @Test
    void aGroupRolledBackToBeforeAMemberLeftIsRefusedAfterARestartToo() {
        Path keys = dir.resolve("keys");
        GhostProxy replaying = new GhostProxy(proxyCertificate, server.port(), Set.of(), "");
        try (replaying;
                ClientProcess bob = new ClientProcess("bob", keys, honest.port());
                ClientProcess charlie = new ClientProcess("charlie", keys, honest.port())) {
            bob.out().awaitRaw(ENTER_USER);
            charlie.out().awaitRaw(ENTER_USER);
            try (ClientProcess alice = new ClientProcess("alice", keys, replaying.port())) {
                alice.out().awaitRaw(ENTER_USER);
                alice.type("/newgroup team bob charlie");
                alice.awaitLine("[Spartan] Created team (alice,bob,charlie).");
                bob.out().awaitRaw("[Spartan] alice added you to 'team' with charlie. Enter 'yes' to join or 'no': ");
                bob.type("yes");
                alice.awaitLine("[Spartan] [team] bob joined.");
                charlie.out().awaitRaw("[Spartan] alice added you to 'team' with bob. Enter 'yes' to join or 'no': ");
                charlie.type("/leave team");
                charlie.awaitLine("[Spartan] You left team.");
                alice.awaitLine("[Spartan] [team] charlie left.");
                assertThat(alice.quit()).isZero();
            }
            // From now on the server shows alice team as it was before charlie left: his LEAVE is withheld.
            replaying.rewrite(g -> g.getName().equals("team") && g.getChainCount() > 1
                    ? g.toBuilder()
                            .clearChain()
                            .addChain(g.getChain(0))
                            .clearMembers()
                            .addAllMembers(List.of("alice", "bob", "charlie"))
                            .build()
                    : g);
            try (ClientProcess alice = new ClientProcess("alice", keys, replaying.port())) {
                alice.awaitLine(WARNING + "team that is not signed by a member: ignored (it goes back to version 1;"
                        + " this client has seen version 2 (rolled back)).");
                alice.out().awaitRaw(ENTER_USER);
                alice.type("/group team");
                alice.awaitLine("[Spartan] You are now ready to chat in team (alice,bob).");
                alice.type("after the replay");
                bob.awaitLine("[team] [alice] after the replay");
                assertThat(alice.quit()).isZero();
            }
            List<SendRequest> toTeam = replaying.sent().stream()
                    .filter(r -> r.getTo().getGroup().equals("team"))
                    .toList();
            assertThat(toTeam)
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(readers(r)).containsOnly("bob"));
            assertThat(charlie.out().lines()).noneMatch(l -> l.contains("after the replay"));
        }
    }
}
