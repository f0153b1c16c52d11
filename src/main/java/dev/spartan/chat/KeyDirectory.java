package dev.spartan.chat;

import dev.spartan.cache.CachingProxy;
import dev.spartan.cache.annotation.CacheInvalidate;
import dev.spartan.cache.annotation.Cached;
import dev.spartan.proto.PublicKeys;
import dev.spartan.store.MessageStore;
import java.util.Objects;

/**
 * Users' pinned public keys, looked up on every group send and chat request and so memoized with {@code @Cached}.
 * Pinned keys never change (trust on first use), so a cached answer stays true on every node; "no keys yet" is answered
 * with {@code null}, which is never cached.
 */
public interface KeyDirectory {
    /** The user's pinned keys, or {@code null} if the user has never logged in. */
    @Cached(size = 4096)
    PublicKeys keysOf(String user);

    /** Pins a first login's keys; returns what is pinned. */
    @CacheInvalidate("keysOf")
    PublicKeys pin(String user, PublicKeys keys);

    /** Forgets the cached keys of a user whose pin the operator dropped, here or on another node. */
    @CacheInvalidate("keysOf")
    void forget(String user);

    /** The store-backed directory with the cache applied. */
    static KeyDirectory cached(MessageStore store) {
        Objects.requireNonNull(store, "store");
        return CachingProxy.wrap(KeyDirectory.class, new KeyDirectory() {
            @Override
            public PublicKeys keysOf(String user) {
                return store.keys(user).orElse(null);
            }

            @Override
            public PublicKeys pin(String user, PublicKeys keys) {
                return store.pinKeys(user, keys);
            }

            @Override
            public void forget(String user) {
                // the proxy drops the cached entry; the store is changed by whoever dropped the pin
            }
        });
    }
}
