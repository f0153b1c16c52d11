package dev.spartan.contract;

import com.google.protobuf.ByteString;
import dev.spartan.proto.SignedTreeHead;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * The bytes of the key transparency log (PROTOCOL.md, "Key transparency"): its entries and the signed tree head,
 * the same for the server that writes them and the clients that check them.
 */
public final class KeyLogs {
    public static final String HEAD_LABEL = "spartan/key-log-head/v1";
    /** Every user has one device for now. */
    public static final int DEVICE = 1;

    /** One entry of the log, decoded. */
    public record Entry(String user, int device, ByteString identityKey) {}

    private KeyLogs() {}

    /** {@code u32(len user) user u32(device) u32(len key) identity_key}, lengths big-endian, the user in UTF-8. */
    public static byte[] entry(String user, int device, byte[] identityKey) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(12 + name.length + identityKey.length)
                .putInt(name.length)
                .put(name)
                .putInt(device)
                .putInt(identityKey.length)
                .put(identityKey)
                .array();
    }

    /** The entry's fields; empty if the bytes are not exactly one entry. */
    public static Optional<Entry> parse(byte[] entry) {
        try {
            ByteBuffer b = ByteBuffer.wrap(entry);
            byte[] name = new byte[b.getInt()];
            b.get(name);
            int device = b.getInt();
            byte[] key = new byte[b.getInt()];
            b.get(key);
            if (b.hasRemaining()) {
                return Optional.empty();
            }
            return Optional.of(new Entry(new String(name, StandardCharsets.UTF_8), device, ByteString.copyFrom(key)));
        } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    /** {@code HEAD_LABEL 0x00 u64(size) root_hash u64(timestamp_millis)}: what the log key signs. */
    public static byte[] signingInput(long size, byte[] root, long timestampMillis) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(HEAD_LABEL.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(8).putLong(size).array());
        out.writeBytes(root);
        out.writeBytes(ByteBuffer.allocate(8).putLong(timestampMillis).array());
        return out.toByteArray();
    }

    public static SignedTreeHead sign(ECPrivateKey key, ECPublicKey publicKey, long size, byte[] root, long millis) {
        return SignedTreeHead.newBuilder()
                .setSize(size)
                .setRootHash(ByteString.copyFrom(root))
                .setTimestampMillis(millis)
                .setLogKey(ByteString.copyFrom(publicKey.serialize()))
                .setSignature(ByteString.copyFrom(key.calculateSignature(signingInput(size, root, millis))))
                .build();
    }

    /** True if the head is signed by {@code logKey} (a serialized ECPublicKey) and names that key. */
    public static boolean verify(SignedTreeHead head, byte[] logKey) {
        if (!Arrays.equals(head.getLogKey().toByteArray(), logKey)
                || head.getRootHash().size() != 32) {
            return false;
        }
        try {
            return new ECPublicKey(logKey)
                    .verifySignature(
                            signingInput(head.getSize(), head.getRootHash().toByteArray(), head.getTimestampMillis()),
                            head.getSignature().toByteArray());
        } catch (InvalidKeyException | RuntimeException e) {
            return false;
        }
    }
}
