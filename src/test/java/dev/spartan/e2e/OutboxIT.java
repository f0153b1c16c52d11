package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.spartan.client.JournalSpool;
import dev.spartan.contract.ChatIds;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.Ports;
import dev.spartan.testing.Tmux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Nothing typed is lost: messages the server has not stored yet are kept in the key directory's outbox journal, survive
 * /quit, the end of piped input and kill -9, and go out on the next start with their ids, so the server stores each
 * once.
 */
class OutboxIT extends OneNodeTest {
    /** Two messages per 30 s: the third and fourth of a burst wait in the outbox until the test lets 30 s pass. */
    private static final Duration WINDOW = Duration.ofSeconds(30);

    @Override
    protected int rateCount() {
        return 2;
    }

    @Override
    protected Duration rateWindow() {
        return WINDOW;
    }

    private static final String STILL_QUEUED =
            "[Spartan] 2 messages to bob are still queued; they will be sent the next time you start the client.";

    /** What the user's outbox journal holds, read as the client reads it. */
    private List<JournalSpool.Queued> outboxFiles(String user) throws IOException {
        return JournalSpool.read(keys().resolve(user));
    }

    /** alice sends m1..m4 to bob: the rate limit lets two through and queues two. */
    private void burstOfFour(ClientProcess alice, ClientProcess bob) {
        Chats.open(alice, bob);
        for (int i = 1; i <= 4; i++) {
            alice.type("m" + i);
        }
        bob.awaitLine("[alice] m2");
        alice.out().awaitRaw("[Spartan] Rate limit reached (2 per 30s): message queued, sending in ");
    }

    /**
     * Once the window has passed, a restart of alice's client sends m3 and m4: every message arrives exactly once, and
     * the outbox is empty.
     */
    private void restartDeliversTheRestOnce(ClientProcess bob) throws IOException {
        server.passTime(WINDOW);
        try (ClientProcess alice = client("alice")) {
            alice.out().awaitRaw(" to bob from an earlier session "); // 2, or 1 if the other went out before the quit
            int m3 = bob.out().awaitLine("[alice] m3", Duration.ofSeconds(30));
            int m4 = bob.out().awaitLine("[alice] m4", Duration.ofSeconds(30));
            assertThat(m3).isLessThan(m4);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> outboxFiles("alice").isEmpty());
            alice.type("bob");
            alice.awaitLine("[Spartan] You are now ready to chat with bob.");
            server.passTime(WINDOW); // m3 and m4 used up the window
            alice.type("m5"); // sent after the retried ones: nothing of them is stored twice before it
            bob.out().awaitLine("[alice] m5", Duration.ofSeconds(30));
            for (int i = 1; i <= 5; i++) {
                assertThat(bob.out().count("[alice] m" + i)).as("m" + i).isEqualTo(1);
            }
        }
    }

    @Test
    void theEndOfPipedInputWaitsThenReportsWhatIsLeftAndTheNextStartSendsIt() throws IOException {
        try (ClientProcess bob = client("bob")) {
            try (ClientProcess alice = client("alice")) {
                burstOfFour(alice, bob);
                assertThat(alice.quit()).as(alice.out().dump()).isEqualTo(3);
                assertThat(alice.out().lines()).contains(STILL_QUEUED);
            }
            Path journal = keys().resolve("alice/outbox/journal");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journal)))
                    .isEqualTo("rw-------");
            assertThat(outboxFiles("alice"))
                    .extracting(JournalSpool.Queued::to, JournalSpool.Queued::text, JournalSpool.Queued::held)
                    .containsExactly(
                            tuple(ChatIds.toUser("bob"), "m3", false), tuple(ChatIds.toUser("bob"), "m4", false));
            restartDeliversTheRestOnce(bob);
        }
    }

    @Test
    void aKilledClientSendsItsQueuedMessagesOnTheNextStart() throws IOException {
        try (ClientProcess bob = client("bob")) {
            try (ClientProcess alice = client("alice")) {
                burstOfFour(alice, bob);
                alice.kill(); // SIGKILL: no shutdown hook, no flush
                assertThat(alice.awaitExit()).isNotZero();
            }
            assertThat(outboxFiles("alice")).hasSize(2);
            restartDeliversTheRestOnce(bob);
        }
    }

    @Test
    void quitAsksWhenMessagesAreQueuedAndCtrlDTwiceQuits() throws IOException {
        try (ClientProcess bob = client("bob");
                Tmux tmux = new Tmux()) {
            Tmux.Pane alice = tmux.client("alice", keys(), server.port(), 160, 30); // the question fits on a row
            alice.awaitText(ENTER_USER.strip(), Tmux.START);
            bob.out().awaitRaw(ENTER_USER);
            alice.enter("bob");
            bob.out().awaitRaw(Chats.requestPrompt("alice"));
            bob.type("yes");
            alice.awaitText("[Spartan] bob accepted your chat request.");
            for (int i = 1; i <= 4; i++) {
                alice.enter("m" + i);
            }
            bob.awaitLine("[alice] m2");
            alice.awaitText("Rate limit reached (2 per 30s)");
            alice.type("a draft");
            alice.awaitText("[alice] > a draft");
            alice.press("C-c"); // clears the line
            alice.awaitScreen(
                    "an empty prompt",
                    s -> lastRow(s).equals("[alice] >") || lastRow(s).startsWith("[alice] >  "),
                    Duration.ofSeconds(20));
            assertThat(alice.dump()).doesNotContain("a draft");
            alice.enter("/quit");
            alice.awaitText("[Spartan] 2 messages to bob are still queued; they will be sent the next time you start"
                    + " the client. Quit anyway? (yes/no)");
            alice.enter("no");
            alice.awaitScreen(
                    "the chat prompt again", s -> lastRow(s).startsWith("[alice] > "), Duration.ofSeconds(20));
            alice.press("C-c"); // on an empty line: like /quit
            alice.awaitScreen(
                    "the question", s -> lastRow(s).contains("Quit anyway? (yes/no)"), Duration.ofSeconds(20));
            alice.enter("no");
            alice.awaitScreen(
                    "the chat prompt again", s -> lastRow(s).startsWith("[alice] > "), Duration.ofSeconds(20));
            alice.press("C-d");
            alice.awaitScreen(
                    "the question", s -> lastRow(s).contains("Quit anyway? (yes/no)"), Duration.ofSeconds(20));
            alice.press("C-d"); // the second Ctrl-D quits without asking
            alice.awaitText("[exit 0]");
            assertThat(outboxFiles("alice")).isNotEmpty(); // m4 at least: the window is 30 s
            restartDeliversTheRestOnce(bob);
        }
    }

    private static String lastRow(List<String> screen) {
        return screen.stream().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
    }

    /**
     * The server keeps an undelivered message 30 days; then it deletes it, and the sender's client says so (the same
     * stored event reaches a sender who logs in later).
     */
    @Test
    void aMessageToAUserWhoStaysAwayPastRetentionExpiresAndItsSenderSeesIt() {
        try (ClientProcess alice = client("alice")) {
            try (ClientProcess bob = client("bob")) {
                Chats.open(alice, bob);
                assertThat(bob.quit()).isZero();
            }
            alice.type("are you there?");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> outboxFiles("alice").isEmpty()); // stored
            server.passWallTime(Duration.ofDays(31));
            assertThat(server.sweepRetention()).isEqualTo(1);
            alice.awaitLine("[Spartan] 1 message you sent to bob expired on the server undelivered (kept past its"
                    + " retention) and was deleted.");
        }
    }

    @Test
    void noKeyDirectoryIsLeftWhenTheLoginFails() {
        try (ClientProcess zed = client("zed")) {
            zed.awaitLine("[Spartan] Login refused: 'zed' is not a user of this server (see users in config.yaml)");
            assertThat(zed.awaitExit()).isEqualTo(1);
        }
        assertThat(keys().resolve("zed")).doesNotExist();
        try (ClientProcess alice = new ClientProcess("alice", dir.resolve("nowhere"), Ports.free())) {
            assertThat(alice.awaitExit()).isEqualTo(1);
        }
        assertThat(dir.resolve("nowhere")).doesNotExist();
    }
}
