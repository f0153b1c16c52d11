package dev.spartan.chat;

import dev.spartan.cache.LruCache;
import dev.spartan.proto.ChatMessage;
import dev.spartan.store.MessageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The last {@code max_num_messages_per_user} messages of each conversation, in an LRU over conversations
 * ({@code max_cached_conversations} of them at most), in front of the store. Writes go through to the store first,
 * so an evicted or cold conversation is read back from it. Callers append inside the conversation's
 * {@link MessageStore#atomically} block, which keeps cache and store in the same order.
 */
public final class RecentMessages {
    private final MessageStore store;
    private final int keep;
    private final LruCache<String, List<ChatMessage>> cache;
    private volatile java.util.function.Consumer<String> changed = chatKey -> { };

    public RecentMessages(MessageStore store, int keep, int conversations) {
        this.store = Objects.requireNonNull(store, "store");
        this.keep = keep;
        this.cache = new LruCache<>(conversations);
    }

    public List<ChatMessage> get(String chatKey) {
        List<ChatMessage> cached = cache.get(chatKey);
        if (cached != null) {
            return cached;
        }
        List<ChatMessage> loaded = List.copyOf(store.history(chatKey));
        cache.put(chatKey, loaded);
        return loaded;
    }

    public void append(String chatKey, ChatMessage message) {
        store.appendHistory(chatKey, message, keep);
        cache.compute(chatKey, (key, old) -> {
            if (old == null) {
                return null; // not cached: the next read loads it from the store
            }
            List<ChatMessage> next = new ArrayList<>(old);
            next.add(message);
            while (next.size() > keep) {
                next.remove(0);
            }
            return List.copyOf(next);
        });
        changed.accept(chatKey);
    }

    /** Called after every append; a cluster node uses it to tell the other nodes to drop their copy. */
    public void onChange(java.util.function.Consumer<String> listener) {
        this.changed = listener;
    }

    /** Drops a conversation from this node's cache, when another node changed it. */
    public void invalidate(String chatKey) {
        cache.remove(chatKey);
    }

    public LruCache<String, List<ChatMessage>> cache() {
        return cache;
    }
}
