package dev.spartan.crypto;

import com.google.protobuf.ByteString;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The attachment stream (PROTOCOL.md, "Attachments"): a file encrypted in chunks with AES-256-GCM under a fresh
 * random key per file. The 12-byte header (version, chunk size, nonce prefix) is the associated data of every chunk;
 * each chunk's nonce is the prefix, its index and a last-chunk flag, so a chunk that is dropped, repeated, moved,
 * cut off at the end, or taken from another file does not decrypt. Streams from input to output: memory is one chunk
 * whatever the file size.
 */
public final class AttachmentCipher {
    public static final int VERSION = 1;
    public static final int KEY_BYTES = 32;
    public static final int PREFIX_BYTES = 7;
    public static final int HEADER_BYTES = 1 + 4 + PREFIX_BYTES;
    public static final int TAG_BYTES = 16;
    /** Plaintext bytes per chunk (the last one may hold fewer, down to none for an empty file). */
    public static final int CHUNK_BYTES = 64 * 1024;

    /** A file did not check out: tampered, truncated, reordered, from another file, or not this version. */
    public static final class IntegrityException extends Exception {
        private static final long serialVersionUID = 1L;

        public IntegrityException(String message) {
            super(message);
        }
    }

    /** A file's random key and nonce prefix: what a reader needs (with the blob) to decrypt it. */
    public static final class FileKey {
        private final byte[] key;
        private final byte[] noncePrefix;

        public FileKey(byte[] key, byte[] noncePrefix) {
            if (key.length != KEY_BYTES || noncePrefix.length != PREFIX_BYTES) {
                throw new IllegalArgumentException("a file key is 32 bytes and its nonce prefix 7");
            }
            this.key = key.clone();
            this.noncePrefix = noncePrefix.clone();
        }

        public static FileKey random(SecureRandom random) {
            byte[] k = new byte[KEY_BYTES];
            byte[] p = new byte[PREFIX_BYTES];
            random.nextBytes(k);
            random.nextBytes(p);
            return new FileKey(k, p);
        }

        public byte[] key() {
            return key.clone();
        }

        public byte[] noncePrefix() {
            return noncePrefix.clone();
        }
    }

    /** What encrypting wrote: the blob's size and the SHA-256 of all its bytes. */
    public record Sealed(long ciphertextBytes, ByteString sha256) {}

    private AttachmentCipher() {}

    /** How many bytes the blob of a {@code plaintextBytes}-byte file has. */
    public static long ciphertextBytes(long plaintextBytes) {
        return HEADER_BYTES + chunks(plaintextBytes) * TAG_BYTES + plaintextBytes;
    }

    /** The number of chunks of a {@code plaintextBytes}-byte file: at least one (the last), even when empty. */
    public static long chunks(long plaintextBytes) {
        return Math.max(1, (plaintextBytes + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    /** The header: version 0x01, the chunk size (4 bytes, big-endian), the nonce prefix. */
    static byte[] header(FileKey key) {
        return ByteBuffer.allocate(HEADER_BYTES)
                .put((byte) VERSION)
                .putInt(CHUNK_BYTES)
                .put(key.noncePrefix)
                .array();
    }

    /** Nonce of chunk {@code index}: the prefix (7 bytes), the index (4 bytes, big-endian), 0x01 if last else 0x00. */
    static byte[] nonce(byte[] prefix, long index, boolean last) {
        if (index > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("a file has at most 2^32 chunks");
        }
        return ByteBuffer.allocate(12)
                .put(prefix)
                .putInt((int) index)
                .put((byte) (last ? 1 : 0))
                .array();
    }

    /**
     * Encrypts exactly {@code plaintextBytes} bytes of {@code in} into {@code out}.
     *
     * @throws EOFException if {@code in} ends before that
     */
    public static Sealed encrypt(FileKey key, InputStream in, long plaintextBytes, OutputStream out)
            throws IOException {
        MessageDigest sha = sha256();
        byte[] header = header(key);
        write(out, sha, header, header.length);
        long n = chunks(plaintextBytes);
        byte[] plain = new byte[CHUNK_BYTES];
        byte[] sealed = new byte[CHUNK_BYTES + TAG_BYTES];
        long left = plaintextBytes;
        for (long i = 0; i < n; i++) {
            int len = (int) Math.min(CHUNK_BYTES, left);
            readFully(in, plain, len);
            left -= len;
            int written = chunk(Cipher.ENCRYPT_MODE, key, header, i, i == n - 1, plain, len, sealed);
            write(out, sha, sealed, written);
        }
        return new Sealed(ciphertextBytes(plaintextBytes), ByteString.copyFrom(sha.digest()));
    }

    /**
     * Checks and decrypts a blob of a {@code plaintextBytes}-byte file. The caller must not keep what reached
     * {@code out} unless this returns: the failure may come at the last chunk.
     *
     * @throws IntegrityException if any chunk fails, the blob is shorter or longer than the size says, or its header
     *     is not the one of this key
     */
    public static void decrypt(FileKey key, InputStream in, long plaintextBytes, OutputStream out)
            throws IOException, IntegrityException {
        try {
            decryptChunks(key, in, plaintextBytes, out);
        } catch (ChunkFailed e) {
            throw new IntegrityException(e.getMessage() + " (tampered, cut short, reordered or from another file)");
        }
    }

    private static void decryptChunks(FileKey key, InputStream in, long plaintextBytes, OutputStream out)
            throws IOException, IntegrityException {
        byte[] header = header(key);
        byte[] got = new byte[HEADER_BYTES];
        if (!readAll(in, got, HEADER_BYTES) || !Arrays.equals(got, header)) {
            throw new IntegrityException("its header is not the one its key describes");
        }
        long n = chunks(plaintextBytes);
        byte[] sealed = new byte[CHUNK_BYTES + TAG_BYTES];
        byte[] plain = new byte[CHUNK_BYTES + TAG_BYTES];
        long left = plaintextBytes;
        for (long i = 0; i < n; i++) {
            int len = (int) Math.min(CHUNK_BYTES, left) + TAG_BYTES;
            if (!readAll(in, sealed, len)) {
                throw new IntegrityException("it is cut short (chunk " + i + " of " + n + ")");
            }
            left -= len - TAG_BYTES;
            int written = chunk(Cipher.DECRYPT_MODE, key, header, i, i == n - 1, sealed, len, plain);
            out.write(plain, 0, written);
        }
        if (in.read() != -1) {
            throw new IntegrityException("it has bytes after its last chunk");
        }
    }

    private static int chunk(
            int mode, FileKey key, byte[] header, long index, boolean last, byte[] in, int len, byte[] out)
            throws IOException {
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(
                    mode,
                    new SecretKeySpec(key.key, "AES"),
                    new GCMParameterSpec(TAG_BYTES * 8, nonce(key.noncePrefix, index, last)));
            gcm.updateAAD(header);
            return gcm.doFinal(in, 0, len, out, 0);
        } catch (AEADBadTagException e) {
            throw new ChunkFailed(index);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    /** A chunk that fails its tag, carried through the IOException of {@link #chunk} to {@link #decrypt}. */
    private static final class ChunkFailed extends IOException {
        private static final long serialVersionUID = 1L;

        ChunkFailed(long index) {
            super("chunk " + index + " does not decrypt");
        }
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(OutputStream out, MessageDigest sha, byte[] bytes, int len) throws IOException {
        sha.update(bytes, 0, len);
        out.write(bytes, 0, len);
    }

    private static void readFully(InputStream in, byte[] buf, int len) throws IOException {
        if (!readAll(in, buf, len)) {
            throw new EOFException("the file is shorter than its size said");
        }
    }

    private static boolean readAll(InputStream in, byte[] buf, int len) throws IOException {
        int off = 0;
        while (off < len) {
            int r = in.read(buf, off, len - off);
            if (r < 0) {
                return false;
            }
            off += r;
        }
        return true;
    }
}
