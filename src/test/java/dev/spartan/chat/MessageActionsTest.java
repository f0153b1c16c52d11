package dev.spartan.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.RetentionConfig;
import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.ChatIds;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.DeleteMessagesRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's part of message actions (issue 26): deletes for everyone, disappearing messages, typing. */
class MessageActionsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final List<Long> expiring = new CopyOnWriteArrayList<>();
    private EmbeddedStore store;
    private Conversations conversations;
    private Retention retention;
    private MessageActions actions;

    @BeforeEach
    void setUp() {
        SpartanConfig config = ConfigLoader.load(Path.of("config.yaml"));
        store = EmbeddedStore.inMemory();
        RecentMessages recent = new RecentMessages(store, config.recentMessagesPerChat(), config.cachedConversations());
        Directory directory = new Directory(config, store, clock);
        DeliveryHub hub = new DeliveryHub();
        conversations = new Conversations(config, directory, store, recent, hub, clock);
        conversations.onExpiring(expiring::add);
        retention = new Retention(store, hub, recent, RetentionConfig.DEFAULTS, clock);
        actions = new MessageActions(conversations, directory, store, retention, clock);
        conversations.request("alice", "bob");
        conversations.answer("bob", "alice", true);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private String send(String from, String to, String id, int expireAfter) {
        conversations.send(
                from,
                SendRequest.newBuilder()
                        .setMessageId(id)
                        .setTo(ChatIds.toUser(to))
                        .setSealed(Sealed.newBuilder()
                                .putCiphertexts(
                                        to,
                                        Ciphertext.newBuilder()
                                                .setType(2)
                                                .setBody(ByteString.copyFromUtf8("x"))
                                                .build()))
                        .setExpireAfterSeconds(expireAfter)
                        .build());
        return id;
    }

    private List<String> held() {
        return store.history(ChatIds.direct("alice", "bob"), 0, 100).stream()
                .map(ChatMessage::getMessageId)
                .toList();
    }

    private List<String> inbox(String user) {
        return store.eventsAfter(user, 0, 100).stream()
                .filter(Event::hasMessage)
                .map(e -> e.getMessage().getMessageId())
                .toList();
    }

    private static DeleteMessagesRequest delete(String peer, String... ids) {
        return DeleteMessagesRequest.newBuilder()
                .setChat(ChatIds.toUser(peer))
                .addAllMessageIds(List.of(ids))
                .build();
    }

    @Test
    void aSenderDeletesTheirOwnMessageEverywhereAndNobodyElses() {
        send("alice", "bob", "a1", 0);
        send("alice", "bob", "a2", 0);
        send("bob", "alice", "b1", 0);

        assertThatThrownBy(() -> actions.delete("alice", delete("bob", "a1", "b1")))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("message b1 was sent by bob: you can delete only your own messages");
        assertThat(held()).containsExactly("a1", "a2", "b1"); // nothing deleted

        actions.delete("alice", delete("bob", "a1"));
        assertThat(held()).containsExactly("a2", "b1");
        assertThat(inbox("bob")).containsExactly("a2");
        assertThat(inbox("alice")).containsExactly("b1");
        assertThatThrownBy(() -> actions.delete("alice", delete("bob")))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("1 to 100");
        assertThatThrownBy(() -> actions.delete(
                        "mallory",
                        DeleteMessagesRequest.newBuilder()
                                .setChat(ChatIds.toGroup("group1"))
                                .addMessageIds("a2")
                                .build()))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("not a member of group1");
    }

    @Test
    void aDisappearingMessageCarriesItsExpiryAndTheSweepTakesItAtThatInstant() {
        send("alice", "bob", "timed", 5);
        send("alice", "bob", "kept", 0);
        long at = clock.millis() + 5_000;
        assertThat(expiring).containsExactly(at);
        assertThat(store.history(ChatIds.direct("alice", "bob"), 0, 10).get(0).getExpiresAtMillis())
                .isEqualTo(at);

        clock.advance(Duration.ofMillis(4_999));
        assertThat(retention.sweep()).isZero();
        assertThat(held()).containsExactly("timed", "kept");
        clock.advance(Duration.ofMillis(1));
        assertThat(retention.sweep()).isZero(); // deleted, but not "expired undelivered": alice asked for it
        assertThat(held()).containsExactly("kept");
        assertThat(inbox("bob")).containsExactly("kept");
        assertThat(inbox("alice")).isEmpty(); // no MessagesExpired event

        assertThatThrownBy(() -> send("alice", "bob", "forever", 365 * 24 * 3600 + 1))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("expire_after_seconds");
    }

    @Test
    void typingGoesToTheChatsOtherMembersAtMostOnceEveryThreeSeconds() {
        ChatRef bob = ChatIds.toUser("bob");
        assertThat(actions.typingReaders("alice", bob)).containsExactly("bob");
        assertThat(actions.typingReaders("alice", bob)).isEmpty();
        clock.advance(Duration.ofSeconds(3));
        assertThat(actions.typingReaders("alice", bob)).containsExactly("bob");
        assertThat(actions.typingReaders("alice", ChatIds.toGroup("group1")))
                .containsExactlyInAnyOrder("bob", "charlie", "eve");
        assertThatThrownBy(() -> actions.typingReaders("alice", ChatIds.toUser("eve")))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("no chat with eve");
    }
}
