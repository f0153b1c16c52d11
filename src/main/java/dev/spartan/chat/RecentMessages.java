package dev.spartan.chat;

import dev.spartan.cache.LruCache;
import dev.spartan.proto.ChatMessage;
import dev.spartan.store.MessageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The last {@code max_num_messages_per_user} messages of each conversation, in an LRU over conversations
 * ({@code max_cached_conversations} of them at most), in front of the store. The store is written first (by
 * {@link MessageStore#save}), so an evicted or cold conversation is read back from it.
 */
public final class RecentMessages {
    private final MessageStore store;
    private final int keep;
    private final LruCache<String, List<ChatMessage>> cache;
    /**
     * Counts changes to conversations not in the cache, so that a load which raced one is not cached. Striped by
     * conversation, so that under load a change to one conversation rarely spoils the caching of another.
     */
    private final AtomicLongArray uncachedChanges = new AtomicLongArray(64);

    private volatile java.util.function.Consumer<String> changed = chatKey -> {};
    private volatile java.util.function.Consumer<String> removedListener = chatKey -> {};

    public RecentMessages(MessageStore store, int keep, int conversations) {
        this.store = Objects.requireNonNull(store, "store");
        this.keep = keep;
        this.cache = new LruCache<>(conversations);
    }

    public List<ChatMessage> get(String chatKey) {
        List<ChatMessage> cached = cache.get(chatKey);
        if (cached != null) {
            long latest = store.latestChatSeq(chatKey);
            if (latest < 0 || latest <= newest(cached)) {
                return cached;
            }
            invalidate(chatKey); // another node stored a message this copy lacks: read the store
        }
        int stripe = stripe(chatKey);
        long changesBefore = uncachedChanges.get(stripe);
        List<ChatMessage> loaded = List.copyOf(store.history(chatKey, 0, keep));
        // A conversation that changed while it was being loaded may have been loaded without the change: return
        // what was read, but do not cache it. (Checked inside compute, which excludes added() and invalidate().)
        cache.compute(
                chatKey,
                (key, old) -> old != null ? old : uncachedChanges.get(stripe) == changesBefore ? loaded : null);
        return loaded;
    }

    /**
     * Records a message the store has just accepted (and already added to its history). Concurrent sends finish in
     * any order, so the message goes in by chat_seq, and a message already there (from a load that raced this call)
     * is not added twice.
     */
    public void added(String chatKey, ChatMessage message) {
        cache.compute(chatKey, (key, old) -> {
            if (old == null) {
                uncachedChanges.incrementAndGet(stripe(key));
                return null;
            }
            return withMessage(old, message);
        });
        changed.accept(chatKey);
    }

    private static long newest(List<ChatMessage> messages) {
        return messages.isEmpty() ? 0 : messages.get(messages.size() - 1).getChatSeq();
    }

    private List<ChatMessage> withMessage(List<ChatMessage> old, ChatMessage message) {
        int at = old.size();
        while (at > 0 && old.get(at - 1).getChatSeq() >= message.getChatSeq()) {
            if (old.get(at - 1).getChatSeq() == message.getChatSeq()) {
                return old;
            }
            at--;
        }
        List<ChatMessage> next = new ArrayList<>(old);
        next.add(at, message);
        while (next.size() > keep) {
            next.remove(0);
        }
        return List.copyOf(next);
    }

    /** Messages of a conversation left the store's history (a declined chat's held messages): drop the copy. */
    public void removed(String chatKey) {
        invalidate(chatKey);
        changed.accept(chatKey);
        removedListener.accept(chatKey);
    }

    /** How many recent messages each conversation keeps. */
    public int keep() {
        return keep;
    }

    /** Called after every {@link #added}; a cluster node uses it to tell the other nodes to drop their copy. */
    public void onChange(java.util.function.Consumer<String> listener) {
        this.changed = listener;
    }

    /**
     * Called after {@link #removed} only: on Redis Cluster additions need no signal, since {@link #get} checks the
     * store's newest chat_seq; a removal leaves no such trace.
     */
    public void onRemoval(java.util.function.Consumer<String> listener) {
        this.removedListener = listener;
    }

    /** Drops a conversation from this node's cache, when another node changed it. */
    public void invalidate(String chatKey) {
        cache.compute(chatKey, (key, old) -> {
            uncachedChanges.incrementAndGet(stripe(key));
            return null;
        });
    }

    private int stripe(String chatKey) {
        return Math.floorMod(chatKey.hashCode(), uncachedChanges.length());
    }

    /** Drops every cached conversation, when this node may have missed other nodes' changes. */
    public void invalidateAll() {
        // Counted first: a load that raced this either caches before the clear below (and is cleared) or sees the
        // count move and does not cache.
        for (int i = 0; i < uncachedChanges.length(); i++) {
            uncachedChanges.incrementAndGet(i);
        }
        cache.clear();
    }

    public LruCache<String, List<ChatMessage>> cache() {
        return cache;
    }
}
