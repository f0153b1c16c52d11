package dev.spartan.testing;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.Ratchet;
import dev.spartan.crypto.SignalStore;
import dev.spartan.crypto.StateJournal;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.SignedPreKey;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.state.PreKeyRecord;

/**
 * One device's real libsignal state in its own key directory, as a client holds it: identity, prekeys and sessions.
 * Peers are trusted by the identity keys in {@code pins} (shared by the devices of one test).
 */
public final class SignalDevice {
    public final Path keys;
    public final SignalStore store;
    public final Ratchet ratchet;
    /** The journal the sessions (and any sender keys of this device) change through. */
    public final StateJournal journal;

    public SignalDevice(String name, Path keys, Map<String, IdentityKey> pins) throws Exception {
        this.keys = keys;
        Identity id = Identity.loadOrCreate(keys);
        this.store = SignalStore.open(keys, id, Clock.systemUTC());
        this.journal = StateJournal.open(keys);
        this.ratchet = Ratchet.open(keys, store, peer -> Optional.ofNullable(pins.get(peer)), journal);
        pins.putIfAbsent(name, id.signalIdentity().getPublicKey());
    }

    /** A prekey bundle as the server hands it out, with a fresh one-time prekey. */
    public PreKeyBundle bundle() {
        PreKeyRecord oneTime = store.generateOneTimePreKeys(1).get(0);
        try {
            return PreKeyBundle.newBuilder()
                    .setRegistrationId(store.registrationId())
                    .setDeviceId(1)
                    .setIdentityKey(ByteString.copyFrom(
                            store.identityKeyPair().getPublicKey().serialize()))
                    .setSignedPreKey(SignedPreKey.newBuilder()
                            .setId(store.currentSignedPreKey().getId())
                            .setPublicKey(ByteString.copyFrom(store.currentSignedPreKey()
                                    .getKeyPair()
                                    .getPublicKey()
                                    .serialize()))
                            .setSignature(ByteString.copyFrom(
                                    store.currentSignedPreKey().getSignature())))
                    .setKyberPreKey(SignedPreKey.newBuilder()
                            .setId(store.currentKyberPreKey().getId())
                            .setPublicKey(ByteString.copyFrom(store.currentKyberPreKey()
                                    .getKeyPair()
                                    .getPublicKey()
                                    .serialize()))
                            .setSignature(ByteString.copyFrom(
                                    store.currentKyberPreKey().getSignature())))
                    .setOneTimePreKey(OneTimePreKey.newBuilder()
                            .setId(oneTime.getId())
                            .setPublicKey(ByteString.copyFrom(
                                    oneTime.getKeyPair().getPublicKey().serialize())))
                    .build();
        } catch (org.signal.libsignal.protocol.InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
