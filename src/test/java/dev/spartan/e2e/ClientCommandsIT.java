package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static dev.spartan.testing.Chats.requestPrompt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client's commands through a pipe: every mistake gets one clear line, never a stack trace. Real client
 * processes; the node runs in the test's JVM, as nothing here is about the server process.
 */
class ClientCommandsIT extends OneNodeTest {

    private static void assertNoTrace(ClientProcess c) {
        assertThat(c.out().raw()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void commandsWithoutOrWithWrongNamesGetOneClearLine() {
        try (ClientProcess alice = client("alice")) {
            alice.out().awaitRaw(ENTER_USER);
            alice.type("/verify");
            alice.awaitLine("[Spartan] Usage: /verify NAME");
            alice.type("/trust");
            alice.awaitLine("[Spartan] Usage: /trust NAME");
            alice.type("/verify zed");
            alice.awaitLine("[Spartan] there is no user 'zed'");
            alice.type("/trust zed");
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> alice.out().count("[Spartan] there is no user 'zed'") == 2);
            alice.type("/verify eve"); // eve has never logged in
            alice.awaitLine("[Spartan] eve has not logged in yet, so there are no keys to compare.");
            alice.type("/verify alice");
            alice.awaitLine("[Spartan] That is you: name another user.");
            alice.type("/accept");
            alice.awaitLine("[Spartan] Usage: /accept NAME");
            alice.type("/history 0");
            alice.awaitLine("[Spartan] Open a chat first.");
            alice.type("/discard");
            alice.awaitLine("[Spartan] No kept messages to discard.");
            alice.type("/help");
            alice.awaitLine("  /quit                   leave (Ctrl-D too)");
            assertThat(alice.out().count("[Spartan] there is no user 'zed'")).isEqualTo(2);
            assertNoTrace(alice);
        }
    }

    @Test
    void noAtTheQuestionDeclinesAndAcceptWorksAtAnyTime() {
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob");
                ClientProcess charlie = client("charlie")) {
            alice.out().awaitRaw(ENTER_USER);
            bob.out().awaitRaw(ENTER_USER);
            charlie.out().awaitRaw(ENTER_USER);
            alice.type("bob");
            bob.out().awaitRaw(requestPrompt("alice"));
            bob.type("no");
            bob.awaitLine("[Spartan] You declined to chat with alice.");
            alice.awaitLine("[Spartan] bob declined to chat with you.");
            assertThat(bob.out().lines()).noneMatch(l -> l.contains("there is no user"));
            bob.out().awaitPrompt(ENTER_USER);

            // bob is chatting with charlie when alice asks again: a notice, answered with /accept.
            bob.type("charlie");
            charlie.out().awaitRaw(requestPrompt("bob"));
            charlie.type("yes");
            bob.awaitLine("[Spartan] charlie accepted your chat request.");
            alice.type("bob");
            bob.awaitLine("[Spartan] alice is requesting to chat with you: /accept alice or /decline alice.");
            bob.type("/accept alice");
            bob.awaitLine("[Spartan] You are now ready to chat with alice.");
            alice.awaitLine("[Spartan] bob accepted your chat request.");
            bob.type("hello alice");
            alice.awaitLine("[bob] hello alice");
            assertNoTrace(bob);
        }
    }

    @Test
    void historyNShowsWhatThisSessionSawBeyondTheServersFive() {
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob")) {
            Chats.open(alice, bob);
            for (int i = 1; i <= 8; i++) {
                alice.type("m" + i);
                bob.awaitLine("[alice] m" + i);
            }
            bob.type("/history 7");
            int header = bob.awaitLine("[Spartan] Last 7 messages with alice:");
            await(bob, header + 7);
            assertThat(bob.out().lines().subList(header + 1, header + 8))
                    .containsExactly(
                            "[alice] m2",
                            "[alice] m3",
                            "[alice] m4",
                            "[alice] m5",
                            "[alice] m6",
                            "[alice] m7",
                            "[alice] m8");
            bob.type("/history 501");
            bob.awaitLine("[Spartan] Usage: /history [N], N from 1 to 500");
        }
    }

    private static void await(ClientProcess c, int lastIndex) {
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> c.out().lines().size() > lastIndex);
    }

    @Test
    void aServerCallWhileDisconnectedSaysSoInWords() {
        try (ClientProcess alice = client("alice")) {
            alice.out().awaitRaw(ENTER_USER);
            server.close();
            alice.awaitLine("[Spartan] Connection lost, reconnecting...");
            alice.type("/users");
            alice.awaitLine(
                    "[Spartan] Not connected to the server right now; try again once the client says Reconnected.");
            List<String> lines = alice.out().lines();
            assertThat(lines).noneMatch(l -> l.contains("io exception"));
            assertNoTrace(alice);
        }
    }
}
