package dev.spartan.client;

import dev.spartan.contract.Addresses;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.crypto.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;

/**
 * Which device of its account a key directory is (PROTOCOL.md, "Devices"). Device 1 has no file: its logins are
 * signed by the identity key, as before devices existed. A linked device keeps {@code device.key}: its id (4 bytes,
 * big-endian) and the private key (32 bytes) that signs its logins.
 */
final class DeviceKey {
    static final String FILE = "device.key";

    private final String user;
    private final int id;
    private final ECPrivateKey key; // null for device 1

    private DeviceKey(String user, int id, ECPrivateKey key) {
        this.user = user;
        this.id = id;
        this.key = key;
    }

    /** The device of the key directory: device 1 unless {@code device.key} names another. */
    static DeviceKey load(String user, Path keysDir) throws IOException {
        Path file = keysDir.resolve(FILE);
        if (!Files.exists(file)) {
            return new DeviceKey(user, 1, null);
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length != 36) {
            throw new IOException("corrupt " + file + ": " + bytes.length + " bytes, not 36");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int id = in.getInt();
        byte[] priv = new byte[32];
        in.get(priv);
        try {
            return new DeviceKey(user, id, new ECPrivateKey(priv));
        } catch (InvalidKeyException e) {
            throw new IOException("corrupt " + file + ": " + e.getMessage(), e);
        }
    }

    /** Makes the directory a linked device's: device {@code id}, logging in with {@code key}. */
    static void write(Path keysDir, int id, ECPrivateKey key) throws IOException {
        PrivateFiles.write(
                keysDir.resolve(FILE),
                ByteBuffer.allocate(36).putInt(id).put(key.serialize()).array());
    }

    int id() {
        return id;
    }

    /** What the server calls this device: the user for device 1, user#N for device N. */
    String address() {
        return Addresses.of(user, id);
    }

    /** The login proof over this device's address: by the device key, or by the identity key for device 1. */
    byte[] proveLogin(Identity identity, byte[] nonce, byte[] binding) {
        byte[] challenge = LoginProof.challengeBytes(address(), nonce, binding);
        return Optional.ofNullable(key)
                .map(k -> k.calculateSignature(challenge))
                .orElseGet(() -> identity.signAsSignalIdentity(challenge));
    }
}
