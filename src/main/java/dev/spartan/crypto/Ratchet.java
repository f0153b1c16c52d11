package dev.spartan.crypto;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.signal.libsignal.protocol.DuplicateMessageException;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.InvalidVersionException;
import org.signal.libsignal.protocol.LegacyMessageException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.UntrustedIdentityException;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.message.CiphertextMessage;
import org.signal.libsignal.protocol.message.PreKeySignalMessage;
import org.signal.libsignal.protocol.message.SignalMessage;
import org.signal.libsignal.protocol.state.IdentityKeyStore;
import org.signal.libsignal.protocol.state.PreKeyBundle;

/**
 * One user's Double Ratchet sessions with every peer, through libsignal: a session starts from a peer's prekey bundle
 * (PQXDH), and each message gets a key of its own that is deleted once used. Whose identity key is trusted is the
 * caller's decision ({@link Trust}), asked on every use.
 */
public final class Ratchet {
    /** Every user has one device. */
    static final int DEVICE = 1;

    /** Which identity key the user accepts for a peer (pinned on first use, replaced only by /trust). */
    public interface Trust {
        /** The accepted identity key of {@code peer}, learning it on first need; empty if none is accepted. */
        Optional<IdentityKey> accepted(String peer);
    }

    /** Why a message could not be sealed or opened. */
    public enum Fault {
        /** The peer's identity key is not the accepted one. */
        UNTRUSTED,
        /** A key in the peer's bundle is malformed, low-order or badly signed. */
        INVALID_KEY,
        /** This message was decrypted before: its key is gone. */
        DUPLICATE,
        /** Not a message of any session this user holds, or corrupted. */
        UNDECRYPTABLE
    }

    public static final class RatchetException extends Exception {
        private static final long serialVersionUID = 1L;
        private final Fault fault;

        public RatchetException(Fault fault, String message, Throwable cause) {
            super(message, cause);
            this.fault = fault;
        }

        public Fault fault() {
            return fault;
        }
    }

    /** A ciphertext and its libsignal type ({@link CiphertextMessage#PREKEY_TYPE} or {@code WHISPER_TYPE}). */
    // The array is the ciphertext as libsignal made it; callers copy it straight onto the wire.
    @SuppressWarnings("ArrayRecordComponent")
    public record Sealed(int type, byte[] body) {}

    private final SignalStore prekeys;
    private final SessionFiles sessions;
    private final Identities identities;
    /**
     * Per peer, the base key of the PreKey messages whose session is durable (synced when the first of them was
     * opened): until the peer hears back it sends every message as a PreKey message with that base key, and those
     * continue the session and use up no prekey, so they can wait for the batch's sync like any other.
     */
    private final java.util.Map<String, ECPublicKey> durableBaseKeys = new java.util.HashMap<>();

    private Ratchet(SignalStore prekeys, SessionFiles sessions, Trust trust) {
        this.prekeys = prekeys;
        this.sessions = sessions;
        this.identities = new Identities(prekeys.identityKeyPair(), prekeys.registrationId(), trust);
    }

    /** The sessions kept in {@code keyDir} (made on first use), beside the prekeys of {@code prekeys}. */
    public static Ratchet open(Path keyDir, SignalStore prekeys, Trust trust) throws IOException {
        return open(keyDir, prekeys, trust, StateJournal.open(keyDir));
    }

    /** As {@link #open(Path, SignalStore, Trust)}, the sessions changing through {@code journal} (shared). */
    public static Ratchet open(Path keyDir, SignalStore prekeys, Trust trust, StateJournal journal) throws IOException {
        return new Ratchet(
                Objects.requireNonNull(prekeys, "prekeys"),
                new SessionFiles(Objects.requireNonNull(keyDir, "keyDir"), Objects.requireNonNull(journal, "journal")),
                Objects.requireNonNull(trust, "trust"));
    }

    private static SignalProtocolAddress address(String peer) {
        return new SignalProtocolAddress(peer, DEVICE);
    }

    public synchronized boolean hasSession(String peer) {
        return sessions.containsSession(address(peer));
    }

    /** Drops the session with {@code peer}: after their identity changed, the next message starts a new one. */
    public synchronized void forget(String peer) {
        durableBaseKeys.remove(peer);
        sessions.deleteSession(address(peer));
    }

    /** Starts a session with {@code peer} from their bundle (the wire form, checked here). */
    public synchronized void start(String peer, dev.spartan.proto.PreKeyBundle wire) throws RatchetException {
        PreKeyBundle bundle;
        try {
            ECPublicKey oneTime = wire.hasOneTimePreKey()
                    ? SignalKeys.curveKey(wire.getOneTimePreKey().getPublicKey().toByteArray(), "one-time prekey")
                    : null;
            bundle = new PreKeyBundle(
                    wire.getRegistrationId(),
                    DEVICE,
                    wire.hasOneTimePreKey() ? wire.getOneTimePreKey().getId() : PreKeyBundle.NULL_PRE_KEY_ID,
                    oneTime,
                    wire.getSignedPreKey().getId(),
                    SignalKeys.curveKey(wire.getSignedPreKey().getPublicKey().toByteArray(), "signed prekey"),
                    wire.getSignedPreKey().getSignature().toByteArray(),
                    SignalKeys.identityKey(wire.getIdentityKey().toByteArray(), "identity key"),
                    wire.getKyberPreKey().getId(),
                    SignalKeys.kyberKey(wire.getKyberPreKey().getPublicKey().toByteArray(), "Kyber prekey"),
                    wire.getKyberPreKey().getSignature().toByteArray());
        } catch (IllegalArgumentException e) {
            throw new RatchetException(Fault.INVALID_KEY, peer + "'s keys are unusable: " + e.getMessage(), e);
        }
        try {
            new SessionBuilder(sessions, prekeys, prekeys, identities, address(peer)).process(bundle);
        } catch (InvalidKeyException | RuntimeException e) {
            throw new RatchetException(Fault.INVALID_KEY, peer + "'s keys are unusable: " + e.getMessage(), e);
        } catch (UntrustedIdentityException e) {
            throw untrusted(peer, e);
        }
    }

    /** Encrypts for {@code peer} over the session, which must exist ({@link #start}); its new state is synced. */
    public synchronized Sealed encrypt(String peer, byte[] plaintext) throws RatchetException {
        Sealed sealed = encryptUnsynced(peer, plaintext);
        sessions.sync();
        return sealed;
    }

    /**
     * As {@link #encrypt}, but the session's new state is synced only by the next {@link #sync}, which the caller
     * must call before the ciphertext leaves this process: a state lost in a crash after its ciphertext was sent
     * would let the next message reuse its key.
     */
    public synchronized Sealed encryptUnsynced(String peer, byte[] plaintext) throws RatchetException {
        sessions.deferring = true;
        try {
            CiphertextMessage m = cipher(peer).encrypt(plaintext);
            return new Sealed(m.getType(), m.serialize());
        } catch (NoSessionException e) {
            throw new RatchetException(Fault.UNDECRYPTABLE, "no session with " + peer, e);
        } catch (UntrustedIdentityException e) {
            throw untrusted(peer, e);
        } finally {
            sessions.deferring = false;
        }
    }

    /** Syncs every session state that {@link #encryptUnsynced} and {@link #decryptUnsynced} left in memory. */
    public synchronized void sync() {
        sessions.sync();
    }

    /** Puts those states into the journal's next frame, so that one sync of the journal serves them and more. */
    public synchronized void stage() {
        sessions.stage();
    }

    /**
     * As {@link #decrypt}, but the session's new state is synced only by the next {@link #sync}, which the caller must
     * call before the message is shown or acknowledged: a batch of messages read together then costs one sync per
     * session, and a crash before the sync leaves the old state, which opens the message again when it is redelivered.
     * A first message (PREKEY_TYPE that starts a session) is synced at once: libsignal deletes its one-time prekey
     * (synced by the prekey store) right after, and a session lost in a crash after that could never open the message
     * again. The PreKey messages after it, on the same base key, wait for the sync like any other.
     */
    public synchronized byte[] decryptUnsynced(String peer, int type, byte[] body) throws RatchetException {
        if (type == CiphertextMessage.PREKEY_TYPE) {
            ECPublicKey base = baseKey(body);
            if (base == null || !base.equals(durableBaseKeys.get(peer))) {
                byte[] plain = decrypt(peer, type, body);
                durableBaseKeys.put(peer, base);
                return plain;
            }
        }
        sessions.deferring = true;
        try {
            return decrypt(peer, type, body);
        } finally {
            sessions.deferring = false;
        }
    }

    /** Decrypts a message from {@code peer}; a first message (PREKEY_TYPE) starts the session on this side. */
    public synchronized byte[] decrypt(String peer, int type, byte[] body) throws RatchetException {
        try {
            if (type == CiphertextMessage.PREKEY_TYPE) {
                return cipher(peer).decrypt(new PreKeySignalMessage(body));
            }
            if (type == CiphertextMessage.WHISPER_TYPE) {
                return cipher(peer).decrypt(new SignalMessage(body));
            }
            throw new RatchetException(Fault.UNDECRYPTABLE, "unknown ciphertext type " + type, null);
        } catch (DuplicateMessageException e) {
            throw new RatchetException(Fault.DUPLICATE, "already decrypted", e);
        } catch (UntrustedIdentityException e) {
            throw untrusted(peer, e);
        } catch (InvalidMessageException
                | InvalidVersionException
                | LegacyMessageException
                | InvalidKeyException
                | InvalidKeyIdException
                | NoSessionException
                | RuntimeException e) {
            throw new RatchetException(Fault.UNDECRYPTABLE, "cannot decrypt: " + e.getMessage(), e);
        }
    }

    /** The base key of a PreKey message; null if it does not parse (its decryption then says why). */
    private static ECPublicKey baseKey(byte[] body) {
        try {
            return new PreKeySignalMessage(body).getBaseKey();
        } catch (InvalidMessageException
                | InvalidVersionException
                | LegacyMessageException
                | InvalidKeyException
                | RuntimeException e) {
            return null;
        }
    }

    private SessionCipher cipher(String peer) {
        return new SessionCipher(sessions, prekeys, prekeys, prekeys, identities, address(peer));
    }

    private static RatchetException untrusted(String peer, Exception e) {
        return new RatchetException(Fault.UNTRUSTED, peer + "'s identity key is not the one accepted", e);
    }

    /** libsignal's identity store over the caller's trust decisions: it never pins or replaces a key itself. */
    private static final class Identities implements IdentityKeyStore {
        private final IdentityKeyPair own;
        private final int registrationId;
        private final Trust trust;

        Identities(IdentityKeyPair own, int registrationId, Trust trust) {
            this.own = own;
            this.registrationId = registrationId;
            this.trust = trust;
        }

        @Override
        public IdentityKeyPair getIdentityKeyPair() {
            return own;
        }

        @Override
        public int getLocalRegistrationId() {
            return registrationId;
        }

        @Override
        public IdentityChange saveIdentity(SignalProtocolAddress address, IdentityKey identityKey) {
            return IdentityChange.NEW_OR_UNCHANGED;
        }

        @Override
        public boolean isTrustedIdentity(SignalProtocolAddress address, IdentityKey identityKey, Direction direction) {
            return trust.accepted(address.getName()).map(identityKey::equals).orElse(false);
        }

        @Override
        public IdentityKey getIdentity(SignalProtocolAddress address) {
            return trust.accepted(address.getName()).orElse(null);
        }
    }
}
