package dev.spartan.crypto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.KyberPreKeyStore;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyStore;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyStore;

/**
 * A user's Signal prekeys in their key directory (the identity is {@link Identity}'s): the signed prekey, the Kyber
 * (last-resort) prekey and the one-time prekeys not used yet. Each kind is one owner-only file, rewritten
 * atomically on every change, so a crash leaves the old or the new state, never half of one.
 */
public final class SignalStore implements PreKeyStore, SignedPreKeyStore, KyberPreKeyStore {
    static final String SIGNED_FILE = "signal-signed-prekeys";
    static final String KYBER_FILE = "signal-kyber-prekeys";
    static final String ONE_TIME_FILE = "signal-one-time-prekeys";

    /** libsignal's ids are 24 bits; ids wrap below this, long after the first ones were used or dropped. */
    private static final int MAX_PREKEY_ID = 0xFFFFFF;

    private final Path dir;
    private final Clock clock;
    private final IdentityKeyPair identity;
    private final int registrationId;
    private final Map<Integer, byte[]> signed;
    private final Map<Integer, byte[]> kyber;
    private final Map<Integer, byte[]> oneTime;
    private int nextOneTimeId;

    private SignalStore(Path dir, IdentityKeyPair identity, int registrationId, Clock clock) throws IOException {
        this.dir = dir;
        this.clock = clock;
        this.identity = identity;
        this.registrationId = registrationId;
        this.signed = readRecords(dir.resolve(SIGNED_FILE), null);
        this.kyber = readRecords(dir.resolve(KYBER_FILE), null);
        int[] next = {1};
        this.oneTime = readRecords(dir.resolve(ONE_TIME_FILE), next);
        this.nextOneTimeId = next[0];
    }

    /** Opens the prekeys in {@code dir}, making a signed and a Kyber prekey there on first run. */
    public static SignalStore open(Path dir, Identity identity, Clock clock) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(identity, "identity");
        PrivateFiles.createDir(dir);
        SignalStore store = new SignalStore(
                dir, identity.signalIdentity(), identity.registrationId(), Objects.requireNonNull(clock));
        if (store.signed.isEmpty() || store.kyber.isEmpty()) {
            store.rotateSignedPreKeys();
        }
        return store;
    }

    public IdentityKeyPair identityKeyPair() {
        return identity;
    }

    public int registrationId() {
        return registrationId;
    }

    /** XEdDSA signature by the identity key (randomized: two signatures of the same data differ). */
    public byte[] sign(byte[] data) {
        return identity.getPrivateKey().calculateSignature(data);
    }

    /** Replaces the signed and the Kyber prekey with new ones, signed by the identity key. */
    public synchronized void rotateSignedPreKeys() {
        long now = clock.millis();
        int id = signed.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) % MAX_PREKEY_ID + 1;
        ECKeyPair pair = ECKeyPair.generate();
        byte[] signature = sign(pair.getPublicKey().serialize());
        KEMKeyPair kem = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
        byte[] kemSignature = sign(kem.getPublicKey().serialize());
        // The previous ones are kept until the next rotation: a peer may still hold a bundle made with them.
        keepLatest(signed, id, new SignedPreKeyRecord(id, now, pair, signature).serialize());
        keepLatest(kyber, id, new KyberPreKeyRecord(id, now, kem, kemSignature).serialize());
        persist(SIGNED_FILE, signed, 0);
        persist(KYBER_FILE, kyber, 0);
    }

    public synchronized SignedPreKeyRecord currentSignedPreKey() {
        return latest(signed, SignedPreKeyRecord::new);
    }

    public synchronized KyberPreKeyRecord currentKyberPreKey() {
        return latest(kyber, KyberPreKeyRecord::new);
    }

    /** Makes and keeps {@code count} new one-time prekeys, to be uploaded. */
    public synchronized List<PreKeyRecord> generateOneTimePreKeys(int count) {
        List<PreKeyRecord> made = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int id = nextOneTimeId;
            nextOneTimeId = id % MAX_PREKEY_ID + 1;
            PreKeyRecord record = new PreKeyRecord(id, ECKeyPair.generate());
            oneTime.put(id, record.serialize());
            made.add(record);
        }
        persist(ONE_TIME_FILE, oneTime, nextOneTimeId);
        return made;
    }

    public synchronized int oneTimePreKeysHeld() {
        return oneTime.size();
    }

    // ---- libsignal's store interfaces ----

    @Override
    public synchronized PreKeyRecord loadPreKey(int preKeyId) throws InvalidKeyIdException {
        return parse(oneTime, preKeyId, PreKeyRecord::new, "prekey");
    }

    @Override
    public synchronized void storePreKey(int preKeyId, PreKeyRecord record) {
        oneTime.put(preKeyId, record.serialize());
        persist(ONE_TIME_FILE, oneTime, nextOneTimeId);
    }

    @Override
    public synchronized boolean containsPreKey(int preKeyId) {
        return oneTime.containsKey(preKeyId);
    }

    /** A one-time prekey is used once: removing it is what makes a replayed first message undecryptable. */
    @Override
    public synchronized void removePreKey(int preKeyId) {
        if (oneTime.remove(preKeyId) != null) {
            persist(ONE_TIME_FILE, oneTime, nextOneTimeId);
        }
    }

    @Override
    public synchronized SignedPreKeyRecord loadSignedPreKey(int signedPreKeyId) throws InvalidKeyIdException {
        return parse(signed, signedPreKeyId, SignedPreKeyRecord::new, "signed prekey");
    }

    @Override
    public synchronized List<SignedPreKeyRecord> loadSignedPreKeys() {
        return all(signed, SignedPreKeyRecord::new);
    }

    @Override
    public synchronized void storeSignedPreKey(int signedPreKeyId, SignedPreKeyRecord record) {
        signed.put(signedPreKeyId, record.serialize());
        persist(SIGNED_FILE, signed, 0);
    }

    @Override
    public synchronized boolean containsSignedPreKey(int signedPreKeyId) {
        return signed.containsKey(signedPreKeyId);
    }

    @Override
    public synchronized void removeSignedPreKey(int signedPreKeyId) {
        if (signed.remove(signedPreKeyId) != null) {
            persist(SIGNED_FILE, signed, 0);
        }
    }

    @Override
    public synchronized KyberPreKeyRecord loadKyberPreKey(int kyberPreKeyId) throws InvalidKeyIdException {
        return parse(kyber, kyberPreKeyId, KyberPreKeyRecord::new, "Kyber prekey");
    }

    @Override
    public synchronized List<KyberPreKeyRecord> loadKyberPreKeys() {
        return all(kyber, KyberPreKeyRecord::new);
    }

    @Override
    public synchronized void storeKyberPreKey(int kyberPreKeyId, KyberPreKeyRecord record) {
        kyber.put(kyberPreKeyId, record.serialize());
        persist(KYBER_FILE, kyber, 0);
    }

    @Override
    public synchronized boolean containsKyberPreKey(int kyberPreKeyId) {
        return kyber.containsKey(kyberPreKeyId);
    }

    /**
     * The Kyber prekey is a last-resort key, used by many sessions until the next rotation, so it stays. A replayed
     * first message still fails: the session it would start exists already and the ratchet keys it names are gone.
     */
    @Override
    public void markKyberPreKeyUsed(int kyberPreKeyId, int signedPreKeyId, ECPublicKey baseKey) {}

    // ---- files ----

    private interface Parser<T> {
        T parse(byte[] serialized) throws InvalidMessageException;
    }

    private static <T> T parse(Map<Integer, byte[]> records, int id, Parser<T> parser, String what)
            throws InvalidKeyIdException {
        byte[] b = records.get(id);
        if (b == null) {
            throw new InvalidKeyIdException("no " + what + " " + id);
        }
        try {
            return parser.parse(b);
        } catch (InvalidMessageException e) {
            throw new IllegalStateException("corrupt " + what + " " + id + ": " + e.getMessage(), e);
        }
    }

    private static <T> List<T> all(Map<Integer, byte[]> records, Parser<T> parser) {
        List<T> out = new ArrayList<>();
        for (byte[] b : records.values()) {
            try {
                out.add(parser.parse(b));
            } catch (InvalidMessageException e) {
                throw new IllegalStateException("corrupt prekey record: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static <T> T latest(Map<Integer, byte[]> records, Parser<T> parser) {
        List<T> all = all(records, parser);
        if (all.isEmpty()) {
            throw new IllegalStateException("no prekey of this kind in the key directory");
        }
        return all.get(all.size() - 1);
    }

    /** Keeps the new record and the one before it, in insertion order (newest last). */
    private static void keepLatest(Map<Integer, byte[]> records, int id, byte[] record) {
        records.remove(id);
        while (records.size() > 1) {
            records.remove(records.keySet().iterator().next());
        }
        records.put(id, record);
    }

    /** File layout: 4-byte header (next id, or 0), then per record a 4-byte id, a 4-byte length and the bytes. */
    private void persist(String name, Map<Integer, byte[]> records, int header) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(header).array());
        for (Map.Entry<Integer, byte[]> r : records.entrySet()) {
            out.writeBytes(ByteBuffer.allocate(8)
                    .putInt(r.getKey())
                    .putInt(r.getValue().length)
                    .array());
            out.writeBytes(r.getValue());
        }
        try {
            PrivateFiles.write(dir.resolve(name), out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private static Map<Integer, byte[]> readRecords(Path file, int[] header) throws IOException {
        Map<Integer, byte[]> records = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return records;
        }
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
        try {
            int first = in.getInt();
            if (header != null) {
                header[0] = Math.max(1, first);
            }
            while (in.hasRemaining()) {
                int id = in.getInt();
                byte[] record = new byte[in.getInt()];
                in.get(record);
                records.put(id, record);
            }
        } catch (RuntimeException e) {
            throw new IOException("corrupt key file " + file + ": " + e.getMessage(), e);
        }
        return records;
    }
}
