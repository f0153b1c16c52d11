package dev.spartan.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.crypto.AttachmentCipher.FileKey;
import dev.spartan.crypto.AttachmentCipher.IntegrityException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The attachment stream: round trips, every way a blob can be spoiled, and the vectors of PROTOCOL.md (computed
 * independently with Python "cryptography"'s AESGCM).
 */
class AttachmentCipherTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final int CHUNK = AttachmentCipher.CHUNK_BYTES;
    private final FileKey key = new FileKey(filled(0x01, 32), filled(0x02, 7));

    @Test
    void vectorOfAShortFile() throws Exception {
        byte[] blob = encrypt(key, "hello".getBytes(StandardCharsets.US_ASCII));
        // header: version, chunk size 65536, nonce prefix
        assertThat(HEX.formatHex(blob, 0, 12)).isEqualTo("01" + "00010000" + "02020202020202");
        assertThat(HEX.formatHex(AttachmentCipher.nonce(key.noncePrefix(), 0, true)))
                .isEqualTo("020202020202020000000001");
        assertThat(HEX.formatHex(blob)).isEqualTo(VECTOR_HELLO);
        assertThat(blob).hasSize((int) AttachmentCipher.ciphertextBytes(5));
    }

    @Test
    void vectorOfAFileOfTwoChunks() throws Exception {
        byte[] plain = new byte[CHUNK + 1];
        Arrays.fill(plain, (byte) 0x61);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AttachmentCipher.Sealed s = AttachmentCipher.encrypt(key, new ByteArrayInputStream(plain), plain.length, out);
        assertThat(s.ciphertextBytes()).isEqualTo(12 + CHUNK + 1 + 2 * 16).isEqualTo(out.size());
        assertThat(HEX.formatHex(AttachmentCipher.nonce(key.noncePrefix(), 1, true)))
                .isEqualTo("020202020202020000000101");
        assertThat(HEX.formatHex(s.sha256().toByteArray())).isEqualTo(VECTOR_TWO_CHUNKS_SHA256);
        assertThat(HEX.formatHex(AttachmentCipher.sha256().digest(out.toByteArray())))
                .isEqualTo(VECTOR_TWO_CHUNKS_SHA256);
        assertThat(HEX.formatHex(out.toByteArray(), out.size() - 1 - 16, out.size()))
                .isEqualTo(VECTOR_TWO_CHUNKS_LAST_CHUNK);
    }

    @Test
    void roundTripsEverySizeAroundTheChunkEdges() throws Exception {
        SecureRandom random = new SecureRandom();
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK}) {
            byte[] plain = new byte[size];
            random.nextBytes(plain);
            FileKey k = FileKey.random(random);
            byte[] blob = encrypt(k, plain);
            assertThat(blob.length).as("size %d", size).isEqualTo(AttachmentCipher.ciphertextBytes(size));
            assertThat(decrypt(k, blob, size)).as("size %d", size).isEqualTo(plain);
        }
    }

    @Test
    void aFlippedByteFails() throws Exception {
        byte[] blob = encrypt(key, new byte[2 * CHUNK + 10]);
        blob[CHUNK + 100] ^= 0x01;
        assertThatThrownBy(() -> decrypt(key, blob, 2 * CHUNK + 10))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("chunk 1 does not decrypt");
    }

    @Test
    void aBlobCutAtAChunkEdgeFails() throws Exception {
        // Two full chunks of a three-chunk file: each decrypts, but none is marked last.
        int size = 2 * CHUNK + 10;
        byte[] blob = encrypt(key, new byte[size]);
        byte[] cut = Arrays.copyOf(blob, 12 + 2 * (CHUNK + 16));
        assertThatThrownBy(() -> decrypt(key, cut, size)).isInstanceOf(IntegrityException.class);
        // ... and claimed as a two-chunk file, the second is not marked last either.
        assertThatThrownBy(() -> decrypt(key, cut, 2 * CHUNK)).isInstanceOf(IntegrityException.class);
    }

    @Test
    void reorderedChunksFail() throws Exception {
        int size = 3 * CHUNK;
        byte[] blob = encrypt(key, random(size));
        byte[] swapped = blob.clone();
        int c = CHUNK + 16;
        System.arraycopy(blob, 12, swapped, 12 + c, c);
        System.arraycopy(blob, 12 + c, swapped, 12, c);
        assertThatThrownBy(() -> decrypt(key, swapped, size))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("chunk 0");
    }

    @Test
    void aChunkFromAnotherFileFails() throws Exception {
        int size = 2 * CHUNK;
        FileKey other = FileKey.random(new SecureRandom());
        byte[] blob = encrypt(key, random(size));
        byte[] foreign = encrypt(other, random(size));
        System.arraycopy(foreign, 12, blob, 12, CHUNK + 16);
        assertThatThrownBy(() -> decrypt(key, blob, size)).isInstanceOf(IntegrityException.class);
    }

    @Test
    void extraBytesAndAnotherHeaderFail() throws Exception {
        byte[] blob = encrypt(key, new byte[10]);
        byte[] longer = Arrays.copyOf(blob, blob.length + 1);
        assertThatThrownBy(() -> decrypt(key, longer, 10)).hasMessageContaining("after its last chunk");
        byte[] otherHeader = blob.clone();
        otherHeader[0] = 2;
        assertThatThrownBy(() -> decrypt(key, otherHeader, 10)).hasMessageContaining("header");
    }

    static byte[] encrypt(FileKey k, byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AttachmentCipher.encrypt(k, new ByteArrayInputStream(plain), plain.length, out);
        return out.toByteArray();
    }

    static byte[] decrypt(FileKey k, byte[] blob, long size) throws IOException, IntegrityException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AttachmentCipher.decrypt(k, new ByteArrayInputStream(blob), size, out);
        return out.toByteArray();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static byte[] filled(int value, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static final String VECTOR_HELLO = "010001000002020202020202dc4e5dcc2a009037882b417a99c2ad6fb2c8ab1a11";
    private static final String VECTOR_TWO_CHUNKS_SHA256 =
            "1b970d5f07f8d9a4fb58ae6fe7e27a0253028dc4ee71daa91f7b67cbd62b69c6";
    private static final String VECTOR_TWO_CHUNKS_LAST_CHUNK = "5577d9515c0c46b95633f647d615161fcb";
}
