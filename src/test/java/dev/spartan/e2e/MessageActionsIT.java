package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static dev.spartan.testing.Chats.requestPrompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Delete;
import dev.spartan.proto.DeleteMessagesRequest;
import dev.spartan.proto.Edit;
import dev.spartan.proto.Plaintext;
import dev.spartan.proto.Reaction;
import dev.spartan.proto.SendRequest;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.Tmux;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Message actions (issue 26) as people see them, in real terminals (tmux) against one node: alice and bob reply,
 * edit, delete, react, mention, read and set a timer, in a 1:1 chat and in group1, and each shows on the reader's
 * screen; charlie, a hostile client on the raw wire, edits, deletes and reacts to alice's messages and is refused by
 * the readers' clients and, where it can know, by the server; a disappearing message leaves the reader's log file and
 * the server's store when its timer runs out.
 */
class MessageActionsIT extends OneNodeTest {
    private static final Duration SEEN = Duration.ofSeconds(30);

    private Tmux tmux;

    @BeforeEach
    void startTmux() {
        tmux = new Tmux();
    }

    @AfterEach
    void stopTmux() {
        tmux.close();
    }

    private Tmux.Pane terminal(String user, String... args) {
        return tmux.client(user, keys(), server.port(), 140, 40, args);
    }

    private String logFile(String user) throws Exception {
        return Files.readString(keys().resolve(user).resolve("messages.log"), StandardCharsets.UTF_8);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The id of a message as the reader's log has it. */
    private String idIn(String user, String text) throws Exception {
        return logFile(user)
                .lines()
                .map(l -> l.split("\t", -1))
                .filter(f -> f.length == 8 && f[7].equals(b64(text)))
                .map(f -> f[1])
                .findFirst()
                .orElseThrow(() -> new AssertionError(text + " is not in " + user + "'s log"));
    }

    @Test
    void everyActionShowsOnTheReadersScreenAndAHostileOneIsRefused() throws Exception {
        Tmux.Pane alice = terminal("alice");
        Tmux.Pane bob = terminal("bob", "--read-receipts");
        alice.awaitText(ENTER_USER.strip(), Tmux.START);
        bob.awaitText(ENTER_USER.strip(), Tmux.START);
        alice.enter("bob");
        bob.awaitText(requestPrompt("alice").strip(), SEEN);
        bob.enter("yes");
        alice.awaitText("[Spartan] bob accepted your chat request.", SEEN);

        // Disappearing first, so that its timer runs out while the rest goes on.
        alice.enter("/timer 5s");
        alice.awaitText("[Spartan] alice set messages to disappear after 5 seconds.", SEEN);
        bob.awaitText("[Spartan] alice set messages to disappear after 5 seconds.", SEEN);
        alice.enter("burn after reading");
        bob.awaitText("[alice] burn after reading", SEEN);
        assertThat(logFile("bob")).contains(b64("burn after reading"));
        List<ChatMessage> held = server.store().history(ChatIds.direct("alice", "bob"), 0, 100);
        String burnt = held.stream()
                .filter(m -> m.getExpiresAtMillis() > 0)
                .map(ChatMessage::getMessageId)
                .findFirst()
                .orElseThrow();
        alice.enter("/timer off");
        bob.awaitText("[Spartan] alice turned disappearing messages off.", SEEN);

        // Reply: the quoted line above the reply; and bob's read receipt (he opted in) turns alice's mark to ●●.
        alice.enter("Lunch at noon?");
        bob.awaitText("[alice] Lunch at noon?", SEEN);
        alice.awaitText("●● [alice] Lunch at noon?", SEEN);
        bob.enter("/reply Sure, the usual place.");
        alice.awaitText("[bob] ↪ alice: Lunch at noon?", SEEN);
        alice.awaitText("[bob] Sure, the usual place.", SEEN);

        // Edit, react, delete: N left out is the latest that fits.
        alice.enter("See you at 12");
        bob.awaitText("[alice] See you at 12", SEEN);
        alice.enter("/edit See you at 1");
        bob.awaitText("[alice] See you at 1 (edited)", SEEN);
        bob.enter("/react 👍");
        alice.awaitText("[Spartan] bob reacted 👍 to alice: See you at 1 (👍 1)", SEEN);
        alice.enter("oops, wrong chat");
        bob.awaitText("[alice] oops, wrong chat", SEEN);
        alice.enter("/delete");
        bob.awaitText("[alice] (deleted)", SEEN);
        await().atMost(SEEN).until(() -> !logFile("bob").contains(b64("oops, wrong chat")));

        // History shows the short numbers and each message as it is now.
        bob.enter(
                "/history 10"); // with N, also what this session showed: the server keeps 5, receipts and actions among
        // them
        bob.awaitText("[alice] #", SEEN);
        bob.awaitText("See you at 1 (edited)  👍 1", SEEN);

        // A mention while bob is elsewhere counts apart: "group1 1 @1".
        alice.enter("/group group1");
        alice.awaitText("[Spartan] You are now ready to chat in group1", SEEN);
        alice.enter("@bob release on friday?");
        bob.awaitScreen("the unread summary 'group1 1 @1'", s -> bob.lastRow().endsWith("group1 1 @1"), SEEN);

        // The same actions in group1.
        bob.enter("/group group1");
        bob.awaitText("[Spartan] You are now ready to chat in group1", SEEN);
        bob.enter("/reply yes, friday");
        alice.awaitText("[group1] [bob] ↪ alice: @bob release on friday?", SEEN);
        alice.awaitText("[group1] [bob] yes, friday", SEEN);
        alice.enter("/edit @bob release on saturday?");
        bob.awaitText("[group1] [alice] @bob release on saturday? (edited)", SEEN);
        bob.enter("/react 🎉");
        alice.awaitText("[Spartan] bob reacted 🎉 to alice: @bob release on saturday? (🎉 1)", SEEN);
        alice.enter("typo");
        bob.awaitText("[group1] [alice] typo", SEEN);
        alice.enter("/delete");
        bob.awaitText("[group1] [alice] (deleted)", SEEN);
        alice.enter("/timer 1h");
        bob.awaitText("[Spartan] alice set messages to disappear after 1 hour.", SEEN);

        // charlie, on the raw wire, acts on alice's group message: both readers refuse, the server where it can.
        String target = idIn("bob", "@bob release on saturday?");
        try (WireSession charlie = WireSession.login("charlie", keys().resolve("charlie"), server.port())) {
            charlie.publishPreKeys(5);
            ChatRef group1 = ChatIds.toGroup("group1");
            charlie.send(action(
                    charlie,
                    group1,
                    1,
                    Plaintext.newBuilder()
                            .setEdit(Edit.newBuilder().setMessageId(target).setText("cancelled"))));
            charlie.send(action(
                    charlie,
                    group1,
                    2,
                    Plaintext.newBuilder().setDelete(Delete.newBuilder().setMessageId(target))));
            bob.awaitText("WARNING: charlie tried to edit alice's message in group1: refused.", SEEN);
            bob.awaitText("WARNING: charlie tried to delete alice's message in group1: refused.", SEEN);
            alice.awaitText("WARNING: charlie tried to edit alice's message in group1: refused.", SEEN);
            assertThat(deleteRefused(charlie, group1, target)).contains("sent by alice");
            // group2 is not charlie's: no reaction goes there, and nothing is deleted there.
            ChatRef group2 = ChatIds.toGroup("group2");
            assertThatThrownBy(() -> charlie.send(action(
                            charlie,
                            group2,
                            1,
                            Plaintext.newBuilder()
                                    .setReaction(Reaction.newBuilder()
                                            .setMessageId(target)
                                            .setEmoji("👎")))))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
            assertThat(deleteRefused(charlie, group2, target)).contains("not a member of group2");
        }
        assertThat(logFile("bob")).contains(b64("@bob release on saturday?"));

        // The disappearing message is gone from bob's screen history, his log file and the server's store.
        bob.awaitText("[Spartan] A message from alice disappeared (timer).", SEEN);
        assertThat(logFile("bob")).doesNotContain(b64("burn after reading"));
        await().atMost(SEEN)
                .until(() -> server.store().history(ChatIds.direct("alice", "bob"), 0, 100).stream()
                        .noneMatch(m -> m.getMessageId().equals(burnt)));
        assertThat(server.store().eventsAfter("bob", 0, 1000))
                .noneMatch(e -> e.getMessage().getMessageId().equals(burnt));
    }

    /** charlie's DeleteMessages of {@code id} in {@code chat}, refused: the status's description. */
    private static String deleteRefused(WireSession charlie, ChatRef chat, String id) {
        try {
            charlie.stub()
                    .deleteMessages(DeleteMessagesRequest.newBuilder()
                            .setChat(chat)
                            .addMessageIds(id)
                            .build());
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            return e.getStatus().getDescription();
        }
        throw new AssertionError("the server deleted " + id + " for charlie");
    }

    /** A group message from charlie whose plaintext is {@code content}, encrypted for alice and bob. */
    private static SendRequest action(WireSession charlie, ChatRef to, long counter, Plaintext.Builder content) {
        String id = UUID.randomUUID().toString();
        byte[] plain =
                content.setCounter(counter).setMessageId(id).setChat(to).build().toByteArray();
        return SendRequest.newBuilder()
                .setMessageId(id)
                .setTo(to)
                .setSealed(charlie.seal(plain, "alice", "bob"))
                .build();
    }
}
