package dev.spartan.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.config.RetentionConfig;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.MessagesExpired;
import dev.spartan.proto.Sealed;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.Guard;
import dev.spartan.store.HoldLimit;
import dev.spartan.store.NewMessage;
import dev.spartan.store.PairState;
import dev.spartan.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The retention sweep on the node's clock: what waits past 30 days is deleted, and its sender is told. */
class RetentionTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final EmbeddedStore store = EmbeddedStore.inMemory();
    private final List<String> told = new ArrayList<>();
    private final InboxWatchers watchers = new InboxWatchers() {
        @Override
        public void inboxesGrew(Collection<String> users) {
            told.addAll(users);
        }

        @Override
        public void eventsStored(Map<String, Event> stored) {}
    };
    private final Retention retention =
            new Retention(store, watchers, new RecentMessages(store, 5, 10), RetentionConfig.DEFAULTS, clock);

    private void send(String id) {
        String pair = PairState.pairKey("alice", "bob");
        ChatMessage m = ChatMessage.newBuilder()
                .setMessageId(id)
                .setSender("alice")
                .setChat(ChatRef.newBuilder().setUser("bob"))
                .setSentAtMillis(clock.millis())
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts(
                                "bob",
                                Ciphertext.newBuilder()
                                        .setBody(ByteString.copyFromUtf8(id))
                                        .build()))
                .build();
        store.save(
                new NewMessage(pair, "dm:" + pair, m, List.of("bob"), Guard.pair(pair, "alice"), 10, HoldLimit.NONE));
    }

    @Test
    void aMessageWaitingPastThirtyDaysIsDeletedAndItsSenderFindsItExpiredInTheirInbox() {
        store.setPairState(PairState.pairKey("alice", "bob"), PairState.ACCEPTED);
        send("early");
        clock.advance(Duration.ofDays(2));
        send("later");
        clock.advance(Duration.ofDays(29)); // "early" is 31 days old, "later" 29
        assertThat(retention.sweep()).isEqualTo(1);

        assertThat(store.eventsAfter("bob", 0, 10))
                .extracting(e -> e.getMessage().getMessageId())
                .containsExactly("later");
        assertThat(store.eventsAfter("alice", 0, 10))
                .extracting(Event::getExpired)
                .containsExactly(MessagesExpired.newBuilder()
                        .setChat(ChatRef.newBuilder().setUser("bob"))
                        .addMessageIds("early")
                        .build());
        assertThat(told).containsExactly("alice");
        assertThat(retention.sweep()).isZero();

        assertThat(retention.olderThan(Duration.ofDays(7))).isEqualTo(1); // the operator's purge by age
        assertThat(store.eventsAfter("bob", 0, 10)).isEmpty();
    }
}
