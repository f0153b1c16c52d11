package dev.spartan.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
    private static final byte[] DATA = "hello".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @Test
    void signatureVerifiesOnlyForSameDataAndKey() {
        Identity id = Identity.generate();
        byte[] sig = id.sign(DATA);
        byte[] key = id.publicIdentity().signingKey();

        assertThat(sig).hasSize(64);
        assertThat(Identity.verify(key, DATA, sig)).isTrue();
        assertThat(Identity.verify(key, "hellO".getBytes(StandardCharsets.UTF_8), sig))
                .isFalse();
        assertThat(Identity.verify(Identity.generate().publicIdentity().signingKey(), DATA, sig))
                .isFalse();
        byte[] flipped = sig.clone();
        flipped[10] ^= 1;
        assertThat(Identity.verify(key, DATA, flipped)).isFalse();
    }

    @Test
    void verifyReturnsFalseOnGarbageInsteadOfThrowing() {
        byte[] key = Identity.generate().publicIdentity().signingKey();
        assertThat(Identity.verify(new byte[5], DATA, new byte[64])).isFalse();
        assertThat(Identity.verify(key, DATA, new byte[3])).isFalse();
        assertThat(Identity.verify(key, DATA, null)).isFalse();
        assertThat(Identity.verify(null, DATA, new byte[64])).isFalse();
        byte[] ff = new byte[32];
        Arrays.fill(ff, (byte) 0xff);
        assertThat(Identity.verify(ff, DATA, new byte[64])).isFalse();
    }

    @Test
    void agreementIsSymmetric() {
        Identity a = Identity.generate();
        Identity b = Identity.generate();
        byte[] ab = a.agree(b.publicIdentity().agreementKey());
        assertThat(ab).hasSize(32).isEqualTo(b.agree(a.publicIdentity().agreementKey()));
        assertThat(ab).isNotEqualTo(a.agree(Identity.generate().publicIdentity().agreementKey()));
    }

    @Test
    void agreementRejectsLowOrderPointsAndBadLengths() {
        Identity a = Identity.generate();
        assertThatThrownBy(() -> a.agree(new byte[32])).isInstanceOf(IllegalArgumentException.class);
        byte[] one = new byte[32];
        one[0] = 1;
        assertThatThrownBy(() -> a.agree(one)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.agree(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromSeedsIsDeterministic() {
        byte[] seed = filled(0x11);
        byte[] scalar = filled(0x22);
        Identity first = Identity.fromSeeds(seed, scalar);
        Identity second = Identity.fromSeeds(seed, scalar);
        assertThat(first.publicIdentity()).isEqualTo(second.publicIdentity());
        // Ed25519 is deterministic, so equal keys give equal signatures.
        assertThat(first.sign(DATA)).isEqualTo(second.sign(DATA));
        assertThat(Identity.fromSeeds(filled(0x12), scalar).publicIdentity()).isNotEqualTo(first.publicIdentity());
        assertThatThrownBy(() -> Identity.fromSeeds(new byte[31], scalar))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32");
    }

    @Test
    void loadOrCreateTwiceGivesSameKeys() throws IOException {
        Path dir = tmp.resolve("id");
        Identity created = Identity.loadOrCreate(dir);
        Identity loaded = Identity.loadOrCreate(dir);
        assertThat(loaded.publicIdentity()).isEqualTo(created.publicIdentity());
        assertThat(Identity.verify(created.publicIdentity().signingKey(), DATA, loaded.sign(DATA)))
                .isTrue();
        assertThat(Files.readAllBytes(dir.resolve("signing.pub")))
                .isEqualTo(created.publicIdentity().signingKey());
        assertThat(Files.readAllBytes(dir.resolve("agreement.pub")))
                .isEqualTo(created.publicIdentity().agreementKey());
        assertThat(Identity.loadOrCreate(tmp.resolve("other")).publicIdentity()).isNotEqualTo(created.publicIdentity());
    }

    @Test
    void privateKeyFilesAreOwnerOnly() throws IOException {
        Path dir = tmp.resolve("id");
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Identity.loadOrCreate(dir);
        EnumSet<PosixFilePermission> rw = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(Files.getPosixFilePermissions(dir.resolve("signing.key"))).isEqualTo(rw);
        assertThat(Files.getPosixFilePermissions(dir.resolve("agreement.key"))).isEqualTo(rw);
        assertThat(Files.getPosixFilePermissions(dir))
                .isEqualTo(EnumSet.of(
                        PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.OWNER_EXECUTE));
    }

    @Test
    void keyFilesArePkcs8() throws IOException {
        Path dir = tmp.resolve("id");
        Identity.loadOrCreate(dir);
        assertThat(Files.readAllBytes(dir.resolve("signing.key")))
                .hasSize(48)
                .startsWith(HexFormat.of().parseHex("302e020100300506032b657004220420"));
        assertThat(Files.readAllBytes(dir.resolve("agreement.key")))
                .hasSize(48)
                .startsWith(HexFormat.of().parseHex("302e020100300506032b656e04220420"));
    }

    @Test
    void corruptFileIsReportedByName() throws IOException {
        Path dir = tmp.resolve("id");
        Identity.loadOrCreate(dir);
        Files.write(dir.resolve("agreement.key"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Identity.loadOrCreate(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("agreement.key");
    }

    @Test
    void halfAnIdentityIsNotSilentlyReplaced() throws IOException {
        Path dir = tmp.resolve("id");
        Identity.loadOrCreate(dir);
        byte[] signing = Files.readAllBytes(dir.resolve("signing.key"));
        Files.delete(dir.resolve("agreement.key"));
        assertThatThrownBy(() -> Identity.loadOrCreate(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("agreement.key");
        assertThat(Files.readAllBytes(dir.resolve("signing.key"))).isEqualTo(signing);
    }

    @Test
    void publicIdentityValidatesAndComparesByContent() {
        PublicIdentity p = new PublicIdentity(filled(1), filled(2));
        assertThat(p)
                .isEqualTo(new PublicIdentity(filled(1), filled(2)))
                .hasSameHashCodeAs(new PublicIdentity(filled(1), filled(2)));
        assertThat(p).isNotEqualTo(new PublicIdentity(filled(1), filled(3)));
        assertThat(p.fingerprint()).matches("[0-9a-f]{4}( [0-9a-f]{4}){3}");
        assertThat(p.toString()).contains(p.fingerprint());
        assertThatThrownBy(() -> new PublicIdentity(new byte[33], filled(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("signing key");
        assertThatThrownBy(() -> new PublicIdentity(filled(1), new byte[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agreement key");
        // Defensive copies: mutating what went in or came out changes nothing.
        byte[] in = filled(1);
        PublicIdentity q = new PublicIdentity(in, filled(2));
        in[0] = 9;
        q.signingKey()[1] = 9;
        assertThat(q).isEqualTo(p);
    }

    static byte[] filled(int value) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
