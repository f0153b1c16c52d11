package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Delete;
import dev.spartan.proto.Edit;
import dev.spartan.proto.Plaintext;
import dev.spartan.proto.Reaction;
import dev.spartan.proto.Read;
import dev.spartan.proto.Timer;
import dev.spartan.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Message actions as bob's client applies them (issue 26): only the author edits or deletes, only in the message's
 * own chat, within the time limit; reactions one per person; and what goes from the log file (deletes, timers).
 */
class ActionsTest {
    private static final ChatRef GROUP = ChatRef.newBuilder().setGroup("group1").build();
    private static final ChatRef TO_BOB = ChatRef.newBuilder().setUser("bob").build();
    private static final ChatRef TO_ALICE =
            ChatRef.newBuilder().setUser("alice").build();

    @TempDir
    Path keys;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final List<String> notices = new CopyOnWriteArrayList<>();
    private final List<Actions.Change> changes = new CopyOnWriteArrayList<>();
    private final List<String> reads = new CopyOnWriteArrayList<>();
    private final List<Plaintext> submitted = new ArrayList<>();
    private MessageLog log;
    private Actions bob;
    private int ids;

    @BeforeEach
    void start() throws Exception {
        log = new MessageLog(keys);
        bob = actions();
    }

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    private Actions actions() {
        Actions a = new Actions(
                "bob",
                log,
                clock,
                timers,
                keys,
                new ClientListener() {
                    @Override
                    public void notice(String text) {
                        notices.add(text);
                    }

                    @Override
                    public void changed(Actions.Change change) {
                        changes.add(change);
                    }

                    @Override
                    public void sendState(String messageId, ChatRef to, SendState state) {
                        reads.add(messageId + " " + state);
                    }
                },
                (who, group) -> group.equals("group1")
                        && Set.of("alice", "bob", "charlie").contains(who));
        a.sendWith((to, content, logText) -> {
            submitted.add(Contents.decode(content).orElseThrow());
            return "sent" + ++ids;
        });
        return a;
    }

    /** A text from {@code sender} that bob's client logged and showed. */
    private Incoming text(String id, String sender, ChatRef chat, String text) {
        String conversation = chat.hasGroup() ? chat.getGroup() : sender;
        Incoming m = new Incoming(id, sender, chat, conversation, text, 1, clock.millis());
        log.add(m);
        bob.seen(m);
        return m;
    }

    /** An action from {@code sender} as it arrives in bob's client. */
    private void arrives(String sender, ChatRef chat, Plaintext content) {
        String conversation = chat.hasGroup() ? chat.getGroup() : sender;
        bob.received(
                new Incoming("a" + ++ids, sender, chat, conversation, Contents.encode(content), 2, clock.millis()));
    }

    private String logFile() throws Exception {
        return Files.readString(keys.resolve(MessageLog.FILE), StandardCharsets.UTF_8);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theAuthorEditsTheirMessageAndAnyoneElseIsRefused() throws Exception {
        text("m1", "alice", GROUP, "lunch at noon?");
        arrives(
                "alice",
                GROUP,
                Plaintext.newBuilder()
                        .setEdit(Edit.newBuilder().setMessageId("m1").setText("lunch at one?"))
                        .build());
        assertThat(log.find("m1").orElseThrow().text()).isEqualTo("lunch at one?");
        assertThat(logFile()).contains(b64("lunch at one?")).doesNotContain(b64("lunch at noon?"));
        assertThat(changes).extracting(Actions.Change::kind).containsExactly(Actions.Kind.EDITED);
        assertThat(bob.view(log.find("m1").orElseThrow(), true).orElseThrow().text())
                .isEqualTo("#1 lunch at one? (edited)");

        arrives(
                "charlie",
                GROUP,
                Plaintext.newBuilder()
                        .setEdit(Edit.newBuilder().setMessageId("m1").setText("pwned"))
                        .build());
        assertThat(log.find("m1").orElseThrow().text()).isEqualTo("lunch at one?");
        assertThat(notices).containsExactly("WARNING: charlie tried to edit alice's message in group1: refused.");
    }

    @Test
    void anEditAfterTheTimeLimitIsRefusedOnBothSides() {
        text("m1", "alice", TO_BOB, "hi");
        Incoming own = new Incoming("m2", "bob", TO_ALICE, "alice", "mine", 0, clock.millis());
        log.add(own);
        bob.seen(own);
        clock.advance(Actions.EDIT_LIMIT.plusMinutes(1));
        arrives(
                "alice",
                TO_BOB,
                Plaintext.newBuilder()
                        .setEdit(Edit.newBuilder().setMessageId("m1").setText("late"))
                        .build());
        assertThat(log.find("m1").orElseThrow().text()).isEqualTo("hi");
        assertThat(notices)
                .containsExactly(
                        "WARNING: alice tried to edit a message older than 24 hours in your chat with alice: refused.");
        assertThatThrownBy(() -> bob.edit(TO_ALICE, bob.target(TO_ALICE, 0, true), "too late"))
                .hasMessageContaining("can no longer be edited");
        assertThat(submitted).isEmpty();
    }

    @Test
    void aDeleteTakesTheTextOutOfTheLogFileButOnlyTheAuthorsDelete() throws Exception {
        text("m1", "alice", GROUP, "secret plan");
        arrives(
                "charlie",
                GROUP,
                Plaintext.newBuilder()
                        .setDelete(Delete.newBuilder().setMessageId("m1"))
                        .build());
        assertThat(log.find("m1")).isPresent();
        assertThat(notices).containsExactly("WARNING: charlie tried to delete alice's message in group1: refused.");

        arrives(
                "alice",
                GROUP,
                Plaintext.newBuilder()
                        .setDelete(Delete.newBuilder().setMessageId("m1"))
                        .build());
        assertThat(log.find("m1")).isEmpty();
        assertThat(logFile()).doesNotContain(b64("secret plan"));
        assertThat(new MessageLog(keys).find("m1")).isEmpty(); // gone after a restart too
        assertThat(bob.view(new Incoming("m1", "alice", GROUP, "group1", "secret plan", 1, 0), false)
                        .orElseThrow()
                        .text())
                .isEqualTo("(deleted)");
    }

    @Test
    void anActionOnAMessageOfAnotherChatIsRefused() {
        text("m1", "alice", GROUP, "in the group");
        // charlie, in a 1:1 chat with bob, names alice's group message
        arrives(
                "charlie",
                TO_BOB,
                Plaintext.newBuilder()
                        .setReaction(Reaction.newBuilder().setMessageId("m1").setEmoji("👎"))
                        .build());
        arrives(
                "charlie",
                TO_BOB,
                Plaintext.newBuilder()
                        .setEdit(Edit.newBuilder().setMessageId("m1").setText("x"))
                        .build());
        assertThat(notices)
                .containsExactly(
                        "WARNING: charlie refers to a message of another chat in your chat with charlie: refused.",
                        "WARNING: charlie refers to a message of another chat in your chat with charlie: refused.");
        assertThat(bob.tally("m1")).isEmpty();
        assertThat(changes).isEmpty();
    }

    @Test
    void reactionsAreOnePerPersonReplaceableAndOnlyFromMembers() {
        text("m1", "alice", GROUP, "release on friday");
        arrives("alice", GROUP, reaction("m1", "👍"));
        arrives("charlie", GROUP, reaction("m1", "👍"));
        assertThat(bob.tally("m1")).isEqualTo("👍 2");
        arrives("charlie", GROUP, reaction("m1", "🎉"));
        assertThat(bob.tally("m1")).isEqualTo("👍 1 🎉 1");
        arrives("charlie", GROUP, reaction("m1", ""));
        assertThat(bob.tally("m1")).isEqualTo("👍 1");
        arrives("mallory", GROUP, reaction("m1", "💩"));
        assertThat(bob.tally("m1")).isEqualTo("👍 1");
        assertThat(notices).containsExactly("WARNING: mallory reacted without being a member in group1: refused.");
        assertThat(bob.view(log.find("m1").orElseThrow(), false).orElseThrow().text())
                .isEqualTo("release on friday  👍 1");
    }

    private static Plaintext reaction(String id, String emoji) {
        return Plaintext.newBuilder()
                .setReaction(Reaction.newBuilder().setMessageId(id).setEmoji(emoji))
                .build();
    }

    @Test
    void noNumberMeansTheLatestThatFitsAndNumbersNameOneMessage() {
        text("m1", "alice", TO_BOB, "one");
        Incoming own = new Incoming("m2", "bob", TO_ALICE, "alice", "two", 0, clock.millis());
        log.add(own);
        bob.seen(own);
        text("m3", "alice", TO_BOB, "three");
        assertThat(bob.target(TO_ALICE, 0, true).messageId()).isEqualTo("m2");
        assertThat(bob.target(TO_ALICE, 0, false).messageId()).isEqualTo("m3");
        assertThat(bob.target(TO_ALICE, 1, false).messageId()).isEqualTo("m1");
        assertThatThrownBy(() -> bob.target(TO_ALICE, 1, true)).hasMessageContaining("alice's");
        assertThatThrownBy(() -> bob.target(TO_ALICE, 9, false)).hasMessageContaining("no message 9");

        String reply = bob.reply(TO_ALICE, bob.target(TO_ALICE, 1, false), "re: one");
        assertThat(submitted.get(0).getReplyTo()).isEqualTo("m1");
        assertThat(bob.view(new Incoming(reply, "bob", TO_ALICE, "alice", "re: one", 0, 0), false)
                        .orElseThrow()
                        .text())
                .isEqualTo("↪ alice: one\nre: one");
    }

    @Test
    void aTimerMakesMessagesDisappearFromTheLogOnBothSides() throws Exception {
        arrives(
                "alice",
                TO_BOB,
                Plaintext.newBuilder()
                        .setTimer(Timer.newBuilder().setSeconds(3600))
                        .build());
        assertThat(changes.get(0).detail()).isEqualTo("alice set messages to disappear after 1 hour.");
        assertThat(bob.timerOf(TO_ALICE)).isEqualTo(3600);
        assertThat(actions().timerOf(TO_ALICE)).isEqualTo(3600); // kept in the key directory

        // bob's own next message carries the timer
        assertThat(Contents.decode(bob.wrap(TO_ALICE, "hi")).orElseThrow().getExpireAfterSeconds())
                .isEqualTo(3600);

        // alice's timed message arrived when its hour had already passed (the client was off): gone at once
        Incoming raw = new Incoming(
                "m9",
                "alice",
                TO_BOB,
                "alice",
                Contents.encode(Plaintext.newBuilder()
                        .setText("burn after reading")
                        .setExpireAfterSeconds(5)
                        .build()),
                3,
                clock.millis() - 6_000);
        Incoming shown = bob.received(raw).orElseThrow();
        log.add(shown);
        await().atMost(Duration.ofSeconds(5)).until(() -> log.find("m9").isEmpty());
        assertThat(logFile()).doesNotContain(b64("burn after reading"));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> changes.stream().anyMatch(c -> c.kind() == Actions.Kind.DISAPPEARED));
        assertThat(bob.view(shown, false)).isEmpty();
    }

    @Test
    void aReadReceiptCountsOnlyForOwnMessagesToThatPeer() {
        Incoming own = new Incoming("m2", "bob", TO_ALICE, "alice", "two", 0, clock.millis());
        log.add(own);
        Incoming toCharlie = new Incoming(
                "m3", "bob", ChatRef.newBuilder().setUser("charlie").build(), "charlie", "three", 0, clock.millis());
        log.add(toCharlie);
        arrives(
                "alice",
                TO_BOB,
                Plaintext.newBuilder()
                        .setRead(Read.newBuilder().addMessageIds("m2").addMessageIds("m3"))
                        .build());
        assertThat(reads).containsExactly("m2 READ");
    }

    @Test
    void timerWords() {
        assertThat(TimerWords.parse("5s")).contains(5);
        assertThat(TimerWords.parse("10m")).contains(600);
        assertThat(TimerWords.parse("1h")).contains(3600);
        assertThat(TimerWords.parse("1d")).contains(86_400);
        assertThat(TimerWords.parse("off")).contains(0);
        assertThat(TimerWords.parse("0s")).isEmpty();
        assertThat(TimerWords.parse("400d")).isEmpty();
        assertThat(TimerWords.parse("1w")).isEmpty();
        assertThat(TimerWords.notice("alice", 3600)).isEqualTo("alice set messages to disappear after 1 hour.");
        assertThat(TimerWords.notice("alice", 600)).isEqualTo("alice set messages to disappear after 10 minutes.");
        assertThat(TimerWords.notice("alice", 0)).isEqualTo("alice turned disappearing messages off.");
    }
}
