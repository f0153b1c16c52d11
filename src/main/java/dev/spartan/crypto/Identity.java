package dev.spartan.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.KeyAgreement;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.util.KeyHelper;

/**
 * A user's private identity: the libsignal identity key pair and registration id (the login proof and the Signal
 * sessions), and the Ed25519 and X25519 pairs of the static message layer (PROTOCOL.md, "Key directory format").
 */
public final class Identity {
    static final String SIGNAL_IDENTITY_FILE = "signal-identity.key";
    static final String SIGNING_KEY_FILE = "signing.key";
    static final String AGREEMENT_KEY_FILE = "agreement.key";
    static final String SIGNING_PUB_FILE = "signing.pub";
    static final String AGREEMENT_PUB_FILE = "agreement.pub";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final PrivateKey signingKey;
    private final PrivateKey agreementKey;
    private final byte[] ed25519Seed;
    private final byte[] x25519Private;
    private final PublicIdentity publicIdentity;
    private final IdentityKeyPair signal;
    private final int registrationId;
    private final dev.spartan.cache.LruCache<java.nio.ByteBuffer, byte[]> secrets =
            new dev.spartan.cache.LruCache<>(1024);

    private Identity(byte[] ed25519Seed, byte[] x25519Private, IdentityKeyPair signal, int registrationId) {
        this.signal = Objects.requireNonNull(signal, "signal");
        this.registrationId = registrationId;
        this.ed25519Seed = ed25519Seed.clone();
        this.x25519Private = x25519Private.clone();
        this.signingKey = KeyCodec.ed25519Private(ed25519Seed);
        this.agreementKey = KeyCodec.x25519Private(x25519Private);
        this.publicIdentity = new PublicIdentity(
                KeyCodec.rawEd25519Public(derivePair("Ed25519", NamedParameterSpec.ED25519, ed25519Seed)
                        .getPublic()),
                KeyCodec.rawX25519Public(derivePair("X25519", NamedParameterSpec.X25519, x25519Private)
                        .getPublic()));
    }

    public static Identity generate() {
        byte[] seed = new byte[KeyCodec.KEY_LEN];
        byte[] scalar = new byte[KeyCodec.KEY_LEN];
        RANDOM.nextBytes(seed);
        RANDOM.nextBytes(scalar);
        return new Identity(seed, scalar, IdentityKeyPair.generate(), KeyHelper.generateRegistrationId(false));
    }

    /** Deterministic identity for tests and protocol vectors. */
    public static Identity fromSeeds(byte[] ed25519Seed32, byte[] x25519Private32) {
        KeyCodec.checkLength(ed25519Seed32, "Ed25519 seed");
        KeyCodec.checkLength(x25519Private32, "X25519 private key");
        return new Identity(
                ed25519Seed32, x25519Private32, IdentityKeyPair.generate(), KeyHelper.generateRegistrationId(false));
    }

    /** As {@link #fromSeeds(byte[], byte[])} with a fixed libsignal identity private key, for protocol vectors. */
    public static Identity fromSeeds(byte[] ed25519Seed32, byte[] x25519Private32, byte[] signalPrivate32) {
        KeyCodec.checkLength(ed25519Seed32, "Ed25519 seed");
        KeyCodec.checkLength(x25519Private32, "X25519 private key");
        KeyCodec.checkLength(signalPrivate32, "Signal identity private key");
        try {
            ECPrivateKey key = new ECPrivateKey(signalPrivate32);
            return new Identity(
                    ed25519Seed32, x25519Private32, new IdentityKeyPair(new IdentityKey(key.publicKey()), key), 1);
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("Signal identity private key: " + e.getMessage(), e);
        }
    }

    /**
     * Loads the identity from {@code dir}, or creates it there on first run. Private keys are PKCS#8 DER files
     * readable only by the owner; the {@code .pub} files hold the raw public keys for the curious.
     */
    public static Identity loadOrCreate(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Path signing = dir.resolve(SIGNING_KEY_FILE);
        Path agreement = dir.resolve(AGREEMENT_KEY_FILE);
        boolean hasSigning = Files.exists(signing);
        boolean hasAgreement = Files.exists(agreement);
        if (hasSigning && hasAgreement) {
            byte[] seed = readPrivate(signing, KeyCodec::ed25519SeedFromPkcs8);
            byte[] scalar = readPrivate(agreement, KeyCodec::x25519ScalarFromPkcs8);
            Path signalFile = dir.resolve(SIGNAL_IDENTITY_FILE);
            if (!Files.exists(signalFile)) {
                // A key directory from before the Signal layer: it gets a Signal identity now, which a server that
                // pinned the old keys refuses until the operator resets the user (PROTOCOL.md).
                writeSignal(signalFile, IdentityKeyPair.generate(), KeyHelper.generateRegistrationId(false));
            }
            return readSignal(signalFile, seed, scalar);
        }
        if (hasSigning || hasAgreement) {
            // Generating now would silently replace the half that exists, i.e. lose the user's identity.
            throw new IOException("incomplete identity in " + dir + ": " + (hasSigning ? agreement : signing)
                    + " is missing; restore it or delete " + (hasSigning ? signing : agreement) + " to start anew");
        }
        Identity id = generate();
        PrivateFiles.createDir(dir);
        writeSignal(dir.resolve(SIGNAL_IDENTITY_FILE), id.signal, id.registrationId);
        PrivateFiles.write(agreement, KeyCodec.x25519Pkcs8(id.x25519Private));
        // Written last: its presence together with agreement.key marks a complete identity.
        PrivateFiles.write(signing, KeyCodec.ed25519Pkcs8(id.ed25519Seed));
        Files.write(dir.resolve(SIGNING_PUB_FILE), id.publicIdentity.signingKey());
        Files.write(dir.resolve(AGREEMENT_PUB_FILE), id.publicIdentity.agreementKey());
        return id;
    }

    /**
     * Writes a linked device's identity into the empty directory {@code dir}: the account's keys, as its link bundle
     * carried them, with a registration id of the device's own (PROTOCOL.md, "Linking").
     *
     * @param identityKeyPair libsignal {@code IdentityKeyPair.serialize()} of the account
     * @param signingPkcs8    the account's signing.key file, byte for byte
     * @param agreementPkcs8  the account's agreement.key file, byte for byte
     */
    public static Identity install(Path dir, byte[] identityKeyPair, byte[] signingPkcs8, byte[] agreementPkcs8)
            throws IOException {
        IdentityKeyPair pair;
        try {
            pair = new IdentityKeyPair(identityKeyPair);
            KeyCodec.ed25519SeedFromPkcs8(signingPkcs8);
            KeyCodec.x25519ScalarFromPkcs8(agreementPkcs8);
        } catch (InvalidKeyException | RuntimeException e) {
            throw new IOException("the link bundle's keys are malformed: " + e.getMessage(), e);
        }
        PrivateFiles.createDir(dir);
        writeSignal(dir.resolve(SIGNAL_IDENTITY_FILE), pair, KeyHelper.generateRegistrationId(false));
        PrivateFiles.write(dir.resolve(AGREEMENT_KEY_FILE), agreementPkcs8);
        PrivateFiles.write(dir.resolve(SIGNING_KEY_FILE), signingPkcs8); // last: it marks a complete identity
        Identity id = loadOrCreate(dir);
        Files.write(dir.resolve(SIGNING_PUB_FILE), id.publicIdentity.signingKey());
        Files.write(dir.resolve(AGREEMENT_PUB_FILE), id.publicIdentity.agreementKey());
        return id;
    }

    /** The account's static key files (signing.key, agreement.key), byte for byte, for a link bundle. */
    public static byte[][] staticKeyFiles(Path dir) throws IOException {
        return new byte[][] {
            Files.readAllBytes(dir.resolve(SIGNING_KEY_FILE)), Files.readAllBytes(dir.resolve(AGREEMENT_KEY_FILE))
        };
    }

    public PublicIdentity publicIdentity() {
        return publicIdentity;
    }

    /** The libsignal identity key pair: its public half is what the server pins and peers' safety numbers use. */
    public IdentityKeyPair signalIdentity() {
        return signal;
    }

    public int registrationId() {
        return registrationId;
    }

    /** XEdDSA signature by the libsignal identity key (randomized: two signatures of the same data differ). */
    public byte[] signAsSignalIdentity(byte[] data) {
        Objects.requireNonNull(data, "data");
        return signal.getPrivateKey().calculateSignature(data);
    }

    /** File layout: the 4-byte registration id, then {@code IdentityKeyPair.serialize()}. */
    private static void writeSignal(Path file, IdentityKeyPair pair, int registrationId) throws IOException {
        byte[] serialized = pair.serialize();
        PrivateFiles.write(
                file,
                ByteBuffer.allocate(4 + serialized.length)
                        .putInt(registrationId)
                        .put(serialized)
                        .array());
    }

    private static Identity readSignal(Path file, byte[] seed, byte[] scalar) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
        try {
            int registrationId = in.getInt();
            byte[] pair = new byte[in.remaining()];
            in.get(pair);
            return new Identity(seed, scalar, new IdentityKeyPair(pair), registrationId);
        } catch (InvalidKeyException | RuntimeException e) {
            throw new IOException("corrupt key file " + file + ": " + e.getMessage(), e);
        }
    }

    public byte[] sign(byte[] data) {
        Objects.requireNonNull(data, "data");
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(signingKey);
            signature.update(data);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /**
     * X25519 shared secret with a peer. Throws IllegalArgumentException for a malformed or low-order peer key:
     * an all-zero secret would be known to anyone, so it must never become key material.
     */
    public byte[] agree(byte[] peerAgreementKeyRaw32) {
        KeyCodec.checkLength(peerAgreementKeyRaw32, "peer X25519 agreement key");
        // Static-static agreement gives the same secret every time for a peer, and X25519 is the costliest step of
        // sealing and opening, so each peer's secret is computed once (a bounded, per-identity memo).
        java.nio.ByteBuffer peer = java.nio.ByteBuffer.wrap(peerAgreementKeyRaw32.clone());
        byte[] known = secrets.get(peer);
        if (known != null) {
            return known.clone();
        }
        byte[] fresh = computeAgreement(peerAgreementKeyRaw32);
        secrets.put(peer, fresh.clone());
        return fresh;
    }

    private byte[] computeAgreement(byte[] peerAgreementKeyRaw32) {
        byte[] secret;
        try {
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(agreementKey);
            ka.doPhase(KeyCodec.x25519Public(peerAgreementKeyRaw32), true);
            secret = ka.generateSecret();
        } catch (GeneralSecurityException e) {
            // The JDK itself refuses small-order points with InvalidKeyException.
            throw new IllegalArgumentException("X25519 agreement failed: " + e.getMessage(), e);
        }
        int acc = 0;
        for (byte b : secret) {
            acc |= b;
        }
        if (acc == 0) {
            throw new IllegalArgumentException("X25519 agreement failed: peer key is a low-order point");
        }
        return secret;
    }

    /** Never throws: any malformed key or signature is simply "not verified". */
    public static boolean verify(byte[] signingKeyRaw32, byte[] data, byte[] signature) {
        if (signingKeyRaw32 == null || data == null || signature == null) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(KeyCodec.ed25519Public(signingKeyRaw32));
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Identity[" + publicIdentity.fingerprint() + "]";
    }

    /**
     * Java 17 has no API to derive a public key from a private one. Its key pair generators draw exactly the
     * private key bytes from the supplied SecureRandom, so feeding them our bytes yields the matching public key.
     * The result is checked, so a JDK that behaves differently fails loudly instead of producing a wrong key.
     */
    private static KeyPair derivePair(String algorithm, NamedParameterSpec spec, byte[] privateBytes) {
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance(algorithm);
            kpg.initialize(spec, new FixedRandom(privateBytes));
            KeyPair pair = kpg.generateKeyPair();
            byte[] der = pair.getPrivate().getEncoded();
            byte[] expected = algorithm.equals("Ed25519")
                    ? KeyCodec.ed25519Pkcs8(privateBytes)
                    : KeyCodec.x25519Pkcs8(privateBytes);
            if (!Arrays.equals(der, expected)) {
                throw new IllegalStateException(algorithm + " key pair generator did not use the supplied key");
            }
            return pair;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }

    private static final class FixedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final transient byte[] bytes;
        private transient boolean used;

        FixedRandom(byte[] bytes) {
            this.bytes = bytes.clone();
        }

        @Override
        public synchronized void nextBytes(byte[] out) {
            if (used || out.length != bytes.length) {
                throw new IllegalStateException("unexpected request for " + out.length + " random bytes");
            }
            used = true;
            System.arraycopy(bytes, 0, out, 0, out.length);
        }
    }

    private interface RawExtractor {
        byte[] extract(byte[] pkcs8);
    }

    private static byte[] readPrivate(Path file, RawExtractor extractor) throws IOException {
        byte[] der = Files.readAllBytes(file);
        try {
            return extractor.extract(der);
        } catch (IllegalArgumentException e) {
            throw new IOException("corrupt key file " + file + ": " + e.getMessage(), e);
        }
    }
}
