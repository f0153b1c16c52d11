package dev.spartan.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.proto.ChatMessage;
import dev.spartan.store.EmbeddedStore;
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

    private static java.util.List<String> ids(java.util.List<ChatMessage> list) {
        return list.stream().map(ChatMessage::getMessageId).toList();
    }

    @Test
    void keepsTheLastNPerConversationInCacheAndStore() {
        recent.get("dm:a|b"); // cached (empty)
        for (int i = 1; i <= 5; i++) {
            recent.append("dm:a|b", msg("m" + i));
        }
        assertThat(ids(recent.get("dm:a|b"))).containsExactly("m3", "m4", "m5");
        assertThat(ids(store.history("dm:a|b"))).containsExactly("m3", "m4", "m5");
        assertThat(recent.cache().get("dm:a|b")).hasSize(3);
    }

    @Test
    void conversationsAreKeptApart() {
        recent.append("dm:a|b", msg("ab1"));
        recent.append("group:g", msg("g1"));
        recent.append("dm:a|b", msg("ab2"));
        assertThat(ids(recent.get("dm:a|b"))).containsExactly("ab1", "ab2");
        assertThat(ids(recent.get("group:g"))).containsExactly("g1");
        assertThat(recent.get("dm:x|y")).isEmpty();
    }

    @Test
    void leastRecentlyUsedConversationIsEvicted() {
        recent.append("c1", msg("a"));
        recent.append("c2", msg("b"));
        recent.append("c3", msg("c"));
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
        recent.append("c1", msg("1"));
        recent.append("c1", msg("2"));
        recent.get("c2");
        recent.get("c3"); // evicts c1
        assertThat(recent.cache().get("c1")).isNull();
        recent.append("c1", msg("3")); // written while cold: only the store has it
        recent.append("c1", msg("4"));
        long missesBefore = recent.cache().misses();
        assertThat(ids(recent.get("c1"))).containsExactly("2", "3", "4");
        assertThat(recent.cache().misses()).isEqualTo(missesBefore + 1);
        assertThat(ids(recent.get("c1"))).containsExactly("2", "3", "4");
        assertThat(recent.cache().misses()).isEqualTo(missesBefore + 1); // the second read is a hit
    }

    @Test
    void coldConversationIsLoadedFromWhatTheStoreAlreadyHas() {
        store.appendHistory("dm:a|b", msg("old1"), 3);
        store.appendHistory("dm:a|b", msg("old2"), 3);
        RecentMessages fresh = new RecentMessages(store, 3, 2);
        assertThat(ids(fresh.get("dm:a|b"))).containsExactly("old1", "old2");
        fresh.append("dm:a|b", msg("new1"));
        fresh.append("dm:a|b", msg("new2"));
        assertThat(ids(fresh.get("dm:a|b"))).containsExactly("old2", "new1", "new2");
    }

    @Test
    void invalidateDropsTheCachedCopy() {
        recent.append("c1", msg("1"));
        recent.get("c1");
        store.appendHistory("c1", msg("by-another-node"), 3);
        assertThat(ids(recent.get("c1"))).containsExactly("1");
        recent.invalidate("c1");
        assertThat(ids(recent.get("c1"))).containsExactly("1", "by-another-node");
    }
}
