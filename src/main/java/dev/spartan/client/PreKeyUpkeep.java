package dev.spartan.client;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.SignalStore;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PreKeyCountRequest;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.proto.UploadPreKeysRequest;
import java.util.Objects;
import java.util.function.Supplier;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

/**
 * Keeps the server's copy of this user's prekeys usable: after each login it uploads the current signed and Kyber
 * prekeys (the server may have been reset or replaced) and tops the one-time stock up to {@link #TARGET} when it is
 * below {@link #LOW}, so peers can start sessions while this user is offline.
 */
public final class PreKeyUpkeep {
    static final int TARGET = 100;
    static final int LOW = 20;

    private final SignalStore keys;
    private final Supplier<SpartanGrpc.SpartanBlockingStub> stub;

    PreKeyUpkeep(SignalStore keys, Supplier<SpartanGrpc.SpartanBlockingStub> stub) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.stub = Objects.requireNonNull(stub, "stub");
    }

    /** One count and one upload; returns the one-time prekeys the server holds after. */
    int run() {
        int held =
                stub.get().preKeyCount(PreKeyCountRequest.getDefaultInstance()).getOneTimeCount();
        UploadPreKeysRequest.Builder upload = UploadPreKeysRequest.newBuilder()
                .setRegistrationId(keys.registrationId())
                .setSignedPreKey(signed(keys.currentSignedPreKey()))
                .setKyberPreKey(kyber(keys.currentKyberPreKey()));
        if (held < LOW) {
            for (PreKeyRecord r : keys.generateOneTimePreKeys(TARGET - held)) {
                upload.addOneTimePreKeys(oneTime(r));
            }
        }
        return stub.get().uploadPreKeys(upload.build()).getOneTimeCount();
    }

    /**
     * The bundle a server would hand out for these keys, using up one new one-time prekey: for peers in one process
     * (the ratchet bench) that have no server between them.
     */
    public static PreKeyBundle bundle(SignalStore keys) {
        return PreKeyBundle.newBuilder()
                .setRegistrationId(keys.registrationId())
                .setDeviceId(1)
                .setIdentityKey(ByteString.copyFrom(
                        keys.identityKeyPair().getPublicKey().serialize()))
                .setSignedPreKey(signed(keys.currentSignedPreKey()))
                .setKyberPreKey(kyber(keys.currentKyberPreKey()))
                .setOneTimePreKey(oneTime(keys.generateOneTimePreKeys(1).get(0)))
                .build();
    }

    static SignedPreKey signed(SignedPreKeyRecord r) {
        try {
            return signedKey(r.getId(), r.getKeyPair().getPublicKey().serialize(), r.getSignature());
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("corrupt signed prekey " + r.getId() + ": " + e.getMessage(), e);
        }
    }

    static SignedPreKey kyber(KyberPreKeyRecord r) {
        try {
            return signedKey(r.getId(), r.getKeyPair().getPublicKey().serialize(), r.getSignature());
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("corrupt Kyber prekey " + r.getId() + ": " + e.getMessage(), e);
        }
    }

    private static SignedPreKey signedKey(int id, byte[] publicKey, byte[] signature) {
        return SignedPreKey.newBuilder()
                .setId(id)
                .setPublicKey(ByteString.copyFrom(publicKey))
                .setSignature(ByteString.copyFrom(signature))
                .build();
    }

    static OneTimePreKey oneTime(PreKeyRecord r) {
        try {
            return OneTimePreKey.newBuilder()
                    .setId(r.getId())
                    .setPublicKey(
                            ByteString.copyFrom(r.getKeyPair().getPublicKey().serialize()))
                    .build();
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("corrupt prekey " + r.getId() + ": " + e.getMessage(), e);
        }
    }
}
