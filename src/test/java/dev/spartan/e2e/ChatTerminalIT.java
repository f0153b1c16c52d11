package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static dev.spartan.testing.Chats.requestPrompt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRequest;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.Tmux;
import dev.spartan.testing.WireSession;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client as a person uses it, in real terminals (tmux): it is always clear who a line goes to, the prompt never
 * changes under a half-typed line, and text from others is shown, never obeyed.
 */
class ChatTerminalIT extends OneNodeTest {
    private Tmux tmux;

    @BeforeEach
    void startTmux() {
        tmux = new Tmux();
    }

    @AfterEach
    void stopTmux() {
        tmux.close();
    }

    private Tmux.Pane terminal(String user) {
        Tmux.Pane pane = tmux.client(user, keys(), server.port());
        pane.awaitText(ENTER_USER.strip(), Tmux.START);
        return pane;
    }

    /** The terminal user asks {@code peer} (a piped client) to chat, and the peer accepts. */
    private static void openWith(Tmux.Pane pane, ClientProcess peer) {
        peer.out().awaitRaw(ENTER_USER);
        pane.enter(peer.user());
        pane.awaitText("[Spartan] You are now ready to chat with " + peer.user() + ".");
        peer.out().awaitRaw(requestPrompt("alice"));
        peer.type("yes");
        pane.awaitText("[Spartan] " + peer.user() + " accepted your chat request.");
    }

    @Test
    void aReplyGoesToTheChatOnTheRightPromptAndOtherChatsAreMarked() {
        try (ClientProcess bob = client("bob");
                ClientProcess charlie = client("charlie")) {
            Tmux.Pane alice = terminal("alice");
            openWith(alice, bob);
            bob.awaitLine("[Spartan] You are now ready to chat with alice.");
            alice.type("/chat cha").press("Tab"); // completed to the user's name
            alice.awaitText("[alice] > /chat charlie");
            alice.press("Enter");
            charlie.out().awaitRaw(requestPrompt("alice"));
            charlie.type("yes");
            alice.awaitText("[Spartan] charlie accepted your chat request.");
            alice.awaitScreen(
                    "the right prompt 'to charlie'",
                    s -> alice.lastRow().endsWith("to charlie"),
                    Duration.ofSeconds(20));

            bob.type("did you get my mail?");
            alice.awaitText("[bob → you] did you get my mail?");
            alice.awaitScreen(
                    "the right prompt 'to charlie · bob 1'",
                    s -> alice.lastRow().startsWith("[alice] > ")
                            && alice.lastRow().endsWith("to charlie · bob 1"),
                    Duration.ofSeconds(20));

            alice.enter("yes, I sent it");
            charlie.awaitLine("[alice] yes, I sent it");
            charlie.type("ok");
            alice.awaitText("[charlie] ok");
            assertThat(bob.out().lines()).noneMatch(l -> l.contains("yes, I sent it"));

            alice.enter("/users");
            alice.awaitText("bob* [1 unread]");

            alice.enter("/chat bob");
            alice.awaitText("[Spartan] Recent messages with bob:");
            int header = alice.rowWith("[Spartan] Recent messages with bob:");
            assertThat(alice.screen().subList(header + 1, alice.screen().size()))
                    .as(alice.dump())
                    .anyMatch(l -> l.contains("[bob] did you get my mail?"));
            alice.awaitScreen(
                    "the right prompt 'to bob'", s -> alice.lastRow().endsWith("to bob"), Duration.ofSeconds(20));
        }
    }

    @Test
    void aRequestArrivingMidLineLeavesTheLineIntact() {
        try (ClientProcess charlie = client("charlie")) {
            Tmux.Pane alice = terminal("alice");
            charlie.out().awaitRaw(ENTER_USER);
            alice.type("ev");
            alice.awaitText(ENTER_USER + "ev");
            charlie.type("alice");
            alice.awaitText("[Spartan] charlie is requesting to chat with you: /accept charlie or /decline charlie.");
            assertThat(alice.lastRow()).as(alice.dump()).startsWith(ENTER_USER + "ev");

            alice.type("e").press("Enter");
            alice.awaitText("[Spartan] You are now ready to chat with eve.");
            assertThat(charlie.out().lines()).noneMatch(l -> l.contains("declined"));

            alice.enter("/accept charlie");
            alice.awaitText("[Spartan] You are now ready to chat with charlie.");
            charlie.awaitLine("[Spartan] alice accepted your chat request.");
            assertThat(alice.dump()).doesNotContain("there is no user");
        }
    }

    @Test
    void aDeclineArrivingMidLineKeepsTheMessageUntilTheUserDecides() {
        try (ClientProcess foo = client("foo")) {
            Tmux.Pane alice = terminal("alice");
            foo.out().awaitRaw(ENTER_USER);
            alice.enter("foo");
            alice.awaitText("[Spartan] You are now ready to chat with foo.");
            alice.enter("before the answer");
            alice.awaitText("✓  [alice] before the answer"); // held by the server until foo answers
            foo.out().awaitRaw(requestPrompt("alice"));
            alice.type("half a mess");
            alice.awaitText("[alice] > half a mess");
            foo.type("no");
            foo.awaitLine("[Spartan] You declined to chat with alice.");
            alice.awaitText("[Spartan] foo declined to chat with you.");
            alice.awaitText("[Spartan] 1 message to foo is kept: /chat foo asks again, /discard drops it.");
            assertThat(alice.lastRow()).as(alice.dump()).startsWith("[alice] > half a mess");

            alice.type("age").press("Enter");
            alice.awaitText("[Spartan] Message to foo kept (foo declined): /chat foo asks again, /discard drops it.");
            alice.awaitScreen(
                    "the prompt back at choosing",
                    s -> alice.lastRow().startsWith(ENTER_USER.strip()),
                    Duration.ofSeconds(20));
            assertThat(alice.dump()).doesNotContain("there is no user");

            alice.enter("/discard");
            alice.awaitText("[Spartan] 2 messages to foo discarded.");
            assertThat(foo.out().lines()).noneMatch(l -> l.startsWith("[alice]"));
            assertThat(foo.out().lines()).noneMatch(l -> l.contains("there is no user 'no'"));
        }
    }

    @Test
    void theReplacedSessionEndsWithOneLineAndNoTrace() {
        Tmux.Pane alice = terminal("alice");
        try (ClientProcess again = client("alice")) {
            again.out().awaitRaw(ENTER_USER);
            alice.awaitText("[Spartan] alice signed in from another client; this session is closed");
            alice.awaitText("[exit 2]");
            assertThat(alice.dump())
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ")
                    .doesNotContain("    at ");
        }
    }

    @Test
    void textFromOthersIsShownNeverObeyed() {
        Tmux.Pane alice = terminal("alice");
        try (WireSession charlie = WireSession.login("charlie", keys().resolve("charlie"), server.port())) {
            charlie.stub().requestChat(ChatRequest.newBuilder().setPeer("alice").build());
            alice.awaitText(requestPrompt("charlie").strip());
            alice.enter("yes");
            alice.awaitText("[Spartan] You are now ready to chat with charlie.");
            for (String evil : List.of(
                    "\u001B[2J\u001B[Hcleared?",
                    "\u001B]0;pwned\u0007title",
                    "\u001B]52;c;aGFja2Vk\u0007clipboard",
                    "see below\n[bob] I approve the wire transfer to charlie",
                    "harmless\r[bob] overwritten",
                    "invoice_\u202Efdp.exe")) {
                charlie.send(charlie.encrypted(ChatIds.toUser("alice"), evil, "alice"));
            }
            alice.awaitText("invoice_<U+202E>fdp.exe");
            String screen = alice.dump();
            assertThat(screen)
                    .contains("[charlie] ^[[2J^[[Hcleared?")
                    .contains("[charlie] ^[]0;pwned^Gtitle")
                    .contains("[charlie] ^[]52;c;aGFja2Vk^Gclipboard")
                    .contains("[charlie] harmless\\r[bob] overwritten")
                    // Not cleared: what was there before is still on the screen.
                    .contains("[Spartan] You are now ready to chat with charlie.");
            assertThat(alice.title()).isNotEqualTo("pwned");
            int first = alice.rowWith("[charlie] see below");
            String next = alice.screen().get(first + 1);
            assertThat(next).startsWith("     ").contains("[bob] I approve the wire transfer to charlie");
            assertThat(next.strip()).isEqualTo("[bob] I approve the wire transfer to charlie");
            assertThat(next.indexOf('['))
                    .isGreaterThan(alice.screen().get(first).indexOf('['));
        }
    }
}
