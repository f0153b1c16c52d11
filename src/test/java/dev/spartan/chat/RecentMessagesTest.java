package dev.spartan.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.proto.ChatMessage;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.Guard;
import dev.spartan.store.HoldLimit;
import dev.spartan.store.NewMessage;
import dev.spartan.store.SaveResult;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RecentMessagesTest {
    EmbeddedStore store;
    RecentMessages recent;

    @BeforeEach
    void setUp() {
        store = EmbeddedStore.inMemory();
        recent = new RecentMessages(store, 3, 2); // 3 messages per conversation, 2 conversations cached
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private static ChatMessage msg(String id) {
        return ChatMessage.newBuilder().setMessageId(id).setSender("alice").build();
    }

    /** What a send does: the store accepts the message (and keeps it in history), then the cache hears of it. */
    private ChatMessage append(RecentMessages into, String chatKey, String id) {
        ChatMessage stored = storeOnly(chatKey, id);
        into.added(chatKey, stored);
        return stored;
    }

    /** A message stored by someone else (another node): this cache does not hear of it. */
    private ChatMessage storeOnly(String chatKey, String id) {
        SaveResult saved = store.save(
                new NewMessage(chatKey, chatKey, msg(id), List.of(), Guard.groupAt(chatKey, 0), 3, HoldLimit.NONE));
        assertThat(saved.outcome()).isEqualTo(SaveResult.Outcome.DELIVERED);
        return msg(id).toBuilder().setChatSeq(saved.chatSeq()).build();
    }

    @Test
    void sendsThatFinishOutOfOrderAreCachedInChatOrderAndOnce() {
        recent.get("c1");
        ChatMessage first = storeOnly("c1", "first");
        ChatMessage second = storeOnly("c1", "second");
        recent.added("c1", second);
        recent.added("c1", first);
        recent.added("c1", second);
        assertThat(ids(recent.get("c1"))).containsExactly("first", "second");
        assertThat(ids(recent.get("c1"))).isEqualTo(ids(store.history("c1", 0, 100)));
    }

    @Test
    void invalidateAllMakesEveryConversationReadTheStoreAgain() {
        append(recent, "c1", "1");
        append(recent, "c2", "2");
        recent.get("c1");
        recent.get("c2");
        storeOnly("c1", "missed1");
        storeOnly("c2", "missed2");
        recent.invalidateAll();
        assertThat(recent.cache().size()).isZero();
        assertThat(ids(recent.get("c1"))).containsExactly("1", "missed1");
        assertThat(ids(recent.get("c2"))).containsExactly("2", "missed2");
    }

    private static java.util.List<String> ids(java.util.List<ChatMessage> list) {
        return list.stream().map(ChatMessage::getMessageId).toList();
    }

    @Test
    void keepsTheLastNPerConversationInCacheAndStore() {
        recent.get("dm:a|b"); // cached (empty)
        for (int i = 1; i <= 5; i++) {
            append(recent, "dm:a|b", "m" + i);
        }
        assertThat(ids(recent.get("dm:a|b"))).containsExactly("m3", "m4", "m5");
        assertThat(ids(store.history("dm:a|b", 0, 100))).containsExactly("m3", "m4", "m5");
        assertThat(recent.cache().get("dm:a|b")).hasSize(3);
    }

    @Test
    void conversationsAreKeptApart() {
        append(recent, "dm:a|b", "ab1");
        append(recent, "group:g", "g1");
        append(recent, "dm:a|b", "ab2");
        assertThat(ids(recent.get("dm:a|b"))).containsExactly("ab1", "ab2");
        assertThat(ids(recent.get("group:g"))).containsExactly("g1");
        assertThat(recent.get("dm:x|y")).isEmpty();
    }

    @Test
    void leastRecentlyUsedConversationIsEvicted() {
        append(recent, "c1", "a");
        append(recent, "c2", "b");
        append(recent, "c3", "c");
        recent.get("c1");
        recent.get("c2");
        recent.get("c1"); // c2 is now the least recently used
        recent.get("c3"); // loads c3, evicts c2
        assertThat(recent.cache().size()).isEqualTo(2);
        assertThat(recent.cache().evictions()).isEqualTo(1);
        assertThat(recent.cache().get("c2")).isNull();
        assertThat(recent.cache().get("c1")).isNotNull();
        assertThat(recent.cache().get("c3")).isNotNull();
    }

    @Test
    void evictedConversationIsReloadedFromTheStore() {
        recent.get("c1");
        append(recent, "c1", "1");
        append(recent, "c1", "2");
        recent.get("c2");
        recent.get("c3"); // evicts c1
        assertThat(recent.cache().get("c1")).isNull();
        append(recent, "c1", "3"); // written while cold: only the store has it
        append(recent, "c1", "4");
        long missesBefore = recent.cache().misses();
        assertThat(ids(recent.get("c1"))).containsExactly("2", "3", "4");
        assertThat(recent.cache().misses()).isEqualTo(missesBefore + 1);
        assertThat(ids(recent.get("c1"))).containsExactly("2", "3", "4");
        assertThat(recent.cache().misses()).isEqualTo(missesBefore + 1); // the second read is a hit
    }

    @Test
    void coldConversationIsLoadedFromWhatTheStoreAlreadyHas() {
        storeOnly("dm:a|b", "old1");
        storeOnly("dm:a|b", "old2");
        RecentMessages fresh = new RecentMessages(store, 3, 2);
        assertThat(ids(fresh.get("dm:a|b"))).containsExactly("old1", "old2");
        append(fresh, "dm:a|b", "new1");
        append(fresh, "dm:a|b", "new2");
        assertThat(ids(fresh.get("dm:a|b"))).containsExactly("old2", "new1", "new2");
    }

    @Test
    void invalidateDropsTheCachedCopy() {
        append(recent, "c1", "1");
        recent.get("c1");
        storeOnly("c1", "by-another-node");
        assertThat(ids(recent.get("c1"))).containsExactly("1");
        recent.invalidate("c1");
        assertThat(ids(recent.get("c1"))).containsExactly("1", "by-another-node");
    }
}
