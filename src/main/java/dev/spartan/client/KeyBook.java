package dev.spartan.client;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.PeerKeyStore;
import dev.spartan.crypto.PublicIdentity;
import dev.spartan.crypto.Ratchet;
import dev.spartan.crypto.SignalKeys;
import dev.spartan.proto.PublicKeys;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * Peers' libsignal identity keys as this client trusts them. The first key seen for a peer is pinned (trust on first
 * use). A different key later is not used: sending to that peer stops until the user accepts it with /trust.
 */
final class KeyBook implements Ratchet.Trust {
    private final PeerKeyStore pins;
    private final Function<String, Optional<PublicKeys>> fetch;
    private final Consumer<String> warn;
    private final Map<String, IdentityKey> changed = new ConcurrentHashMap<>();

    KeyBook(PeerKeyStore pins, Function<String, Optional<PublicKeys>> fetch, Consumer<String> warn) {
        this.pins = Objects.requireNonNull(pins, "pins");
        this.fetch = Objects.requireNonNull(fetch, "fetch");
        this.warn = Objects.requireNonNull(warn, "warn");
    }

    static PublicKeys wire(PublicIdentity id) {
        return PublicKeys.newBuilder()
                .setSigningKey(ByteString.copyFrom(id.signingKey()))
                .setAgreementKey(ByteString.copyFrom(id.agreementKey()))
                .build();
    }

    /** Records keys the server showed us for a peer; a malformed or low-order identity key is ignored. */
    void learned(String user, PublicKeys keys) {
        IdentityKey seen;
        try {
            seen = SignalKeys.identityKey(keys.getIdentityKey().toByteArray(), user + "'s identity key");
        } catch (IllegalArgumentException e) {
            return;
        }
        PeerKeyStore.Verdict verdict = pins.check(user, seen);
        if (verdict == PeerKeyStore.Verdict.CHANGED && changed.put(user, seen) == null) {
            warn.accept("WARNING: " + user + "'s identity key has changed. Messages to " + user
                    + " are on hold. Compare safety numbers with /verify " + user
                    + ", then accept the new key with /trust "
                    + user + ".");
        } else if (verdict == PeerKeyStore.Verdict.MATCH && changed.remove(user) != null) {
            // A change that the server takes back (a forged key, then the real one) holds nothing back any more.
            warn.accept("The server shows " + user + "'s pinned identity key again: messages to " + user
                    + " are no longer on hold.");
        }
    }

    /**
     * Keys the server showed in an event (a chat accepted, a chat's state), which carry no key log proof: they can
     * show a change of a pinned key, but a first key is pinned only as fetched with its proof.
     */
    void shown(String user, PublicKeys keys) {
        if (pins.pinned(user).isPresent()) {
            learned(user, keys);
        } else {
            refresh(user);
        }
    }

    /** The pinned key of a peer, fetching it on first need. Empty if the peer has no keys or its key changed. */
    Optional<IdentityKey> trusted(String user) {
        return changed.containsKey(user) ? Optional.empty() : pinned(user);
    }

    /**
     * The key pinned for a peer, fetched and pinned on first need; still the pin after the server showed another key,
     * which is what the peer's earlier signatures (group membership statements) are checked against.
     */
    Optional<IdentityKey> pinned(String user) {
        Optional<IdentityKey> pinned = pins.pinned(user);
        if (pinned.isPresent()) {
            return pinned;
        }
        fetch.apply(user).ifPresent(k -> learned(user, k));
        return pins.pinned(user);
    }

    @Override
    public Optional<IdentityKey> accepted(String peer) {
        return trusted(peer);
    }

    /** Re-reads a peer's keys from the server, to notice a change. */
    void refresh(String user) {
        fetch.apply(user).ifPresent(k -> learned(user, k));
    }

    boolean hasChanged(String user) {
        return changed.containsKey(user);
    }

    Optional<IdentityKey> latest(String user) {
        IdentityKey c = changed.get(user);
        return c != null ? Optional.of(c) : trusted(user);
    }

    /** The user compared safety numbers and accepts the peer's new key. */
    boolean trust(String user) {
        IdentityKey next = changed.remove(user);
        if (next == null) {
            return false;
        }
        pins.trust(user, next);
        return true;
    }
}
