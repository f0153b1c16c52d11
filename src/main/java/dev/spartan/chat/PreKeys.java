package dev.spartan.chat;

import dev.spartan.contract.Addresses;
import dev.spartan.crypto.SignalKeys;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.proto.UploadPreKeysRequest;
import dev.spartan.store.MessageStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * The Signal prekeys the server keeps for each user: uploaded by the user, checked against the identity key pinned at
 * their first login, and handed out one bundle at a time to whoever wants to start a session with them.
 */
public final class PreKeys {
    /** One-time prekeys one upload may carry. */
    public static final int MAX_PER_UPLOAD = 100;

    /** One-time prekeys the server holds per user. */
    public static final int MAX_HELD = 200;

    /** libsignal's registration ids are 14 bits, and 0 means none. */
    private static final int MAX_REGISTRATION_ID = 16380;

    private final Directory directory;
    private final MessageStore store;
    private final DeviceAddresses devices;

    public PreKeys(Directory directory, MessageStore store) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.devices = new DeviceAddresses(store);
    }

    /** Checks every key of the upload, then stores it; returns the caller's one-time stock after. */
    public int upload(String me, UploadPreKeysRequest request) {
        IdentityKey identity = identityOf(Addresses.userOf(me)) // a device's prekeys are signed by the account's key
                .orElseThrow(() -> Refusal.precondition("'" + me + "' logged in with keys that have no Signal identity"
                        + " key: upgrade the client (PROTOCOL.md, \"Key directory format\")"));
        int registrationId = request.getRegistrationId();
        if (registrationId < 1 || registrationId > MAX_REGISTRATION_ID) {
            throw Refusal.invalid("registration_id must be 1 to " + MAX_REGISTRATION_ID + ", not " + registrationId);
        }
        List<OneTimePreKey> oneTime = request.getOneTimePreKeysList();
        if (oneTime.size() > MAX_PER_UPLOAD) {
            throw Refusal.invalid("at most " + MAX_PER_UPLOAD + " one-time prekeys an upload, not " + oneTime.size());
        }
        try {
            for (OneTimePreKey k : oneTime) {
                SignalKeys.curveKey(k.getPublicKey().toByteArray(), "one-time prekey " + k.getId());
            }
            if (request.hasSignedPreKey() != request.hasKyberPreKey()) {
                throw new IllegalArgumentException("the signed and the Kyber prekey are replaced together: send both");
            }
            if (request.hasSignedPreKey()) {
                checkSigned(identity, request.getSignedPreKey(), false);
                checkSigned(identity, request.getKyberPreKey(), true);
            }
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid(e.getMessage());
        }
        if (request.hasSignedPreKey()) {
            store.putSignedPreKeys(me, registrationId, request.getSignedPreKey(), request.getKyberPreKey());
        } else if (store.signedPreKeys(me).isEmpty()) {
            throw Refusal.invalid("the first upload must carry the signed and the Kyber prekey");
        }
        if (oneTime.isEmpty()) {
            return store.oneTimePreKeyCount(me);
        }
        int held = store.addOneTimePreKeys(me, oneTime, MAX_HELD);
        if (held < 0) {
            throw Refusal.exhausted("the server holds at most " + MAX_HELD + " one-time prekeys per user and has "
                    + store.oneTimePreKeyCount(me) + " of yours: upload fewer");
        }
        return held;
    }

    /**
     * A bundle to start a session with the device at {@code address} (a user for device 1, "user#N" for device N);
     * uses up one of its one-time prekeys if any are left. The identity key is the account's.
     *
     * @param me the caller's device address: any device but itself may ask, its own other devices included
     */
    public PreKeyBundle bundle(String me, String address) {
        String user = Addresses.userOf(address);
        int device = Addresses.deviceOf(address);
        if (!directory.isUser(user)) {
            throw Refusal.notFound("there is no user '" + user + "'");
        }
        if (device < 1) {
            throw Refusal.invalid("'" + address + "' is not a device address: user, or user#N with N from 2");
        }
        if (address.equals(me)) {
            throw Refusal.invalid("a session with yourself is not needed");
        }
        if (device > 1 && devices.linked(address).isEmpty()) {
            throw Refusal.notFound(user + " has no device " + device + " (it was unlinked, or never linked)");
        }
        PublicKeys pinned = directory.keys().keysOf(user);
        PreKeyBundle signed = store.signedPreKeys(address).orElse(null);
        if (pinned == null || pinned.getIdentityKey().isEmpty() || signed == null) {
            throw Refusal.notFound(address + " has not enrolled with this server yet, so has no prekeys");
        }
        PreKeyBundle.Builder bundle =
                signed.toBuilder().setUser(address).setDeviceId(device).setIdentityKey(pinned.getIdentityKey());
        store.takeOneTimePreKey(address).ifPresent(bundle::setOneTimePreKey);
        return bundle.build();
    }

    public int count(String me) {
        return store.oneTimePreKeyCount(me);
    }

    private Optional<IdentityKey> identityOf(String user) {
        PublicKeys pinned = directory.keys().keysOf(user);
        if (pinned == null || pinned.getIdentityKey().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(SignalKeys.identityKey(pinned.getIdentityKey().toByteArray(), "pinned identity key"));
    }

    private static void checkSigned(IdentityKey identity, SignedPreKey key, boolean kyber) {
        String what = (kyber ? "Kyber prekey " : "signed prekey ") + key.getId();
        byte[] raw = key.getPublicKey().toByteArray();
        if (kyber) {
            SignalKeys.kyberKey(raw, what);
        } else {
            SignalKeys.curveKey(raw, what);
        }
        SignalKeys.requireSigned(identity, raw, key.getSignature().toByteArray(), what);
    }
}
