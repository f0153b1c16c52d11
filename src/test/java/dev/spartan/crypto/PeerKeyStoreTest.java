package dev.spartan.crypto;

import static dev.spartan.crypto.IdentityTest.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spartan.crypto.PeerKeyStore.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.IdentityKey;

class PeerKeyStoreTest {
    private static final IdentityKey BOB = key(1);
    private static final IdentityKey MALLORY = key(3);

    static IdentityKey key(int seed) {
        return Identity.fromSeeds(filled(1), filled(2), filled(seed))
                .signalIdentity()
                .getPublicKey();
    }

    @TempDir
    Path dir;

    /** The file's bytes, as PROTOCOL.md gives them (Client key pinning): the identity keys of its test vectors. */
    static final String KNOWN_IDENTITIES = """
            alice BVCmFAmx3dAyXpsWtwDnGel3LAcACxvXeG6QfGU9IEld
            bob BfWy1uYPlHfjEMKYLaqmyRNsEIoXd8WUfkSPo31oF0VX
            """;

    @Test
    void theFileIsOneSortedLinePerPeerOfNameSpaceBase64() throws IOException {
        PeerKeyStore store = new PeerKeyStore(dir);
        store.check("bob", key(6));
        store.check("alice", key(5));
        assertThat(Files.readString(dir.resolve("known_identities"))).isEqualTo(KNOWN_IDENTITIES);

        // The same bytes written by another program are read back as these pins.
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("known_identities"), KNOWN_IDENTITIES);
        PeerKeyStore read = new PeerKeyStore(other);
        assertThat(read.pinned("alice")).contains(key(5));
        assertThat(read.pinned("bob")).contains(key(6));
    }

    @Test
    void newThenMatchThenChangedWithoutOverwriting() throws IOException {
        PeerKeyStore store = new PeerKeyStore(dir);
        assertThat(store.pinned("bob")).isEmpty();
        assertThat(store.check("bob", BOB)).isEqualTo(Verdict.NEW);
        assertThat(store.check("bob", key(1))).isEqualTo(Verdict.MATCH);
        assertThat(store.check("bob", MALLORY)).isEqualTo(Verdict.CHANGED);
        assertThat(store.check("bob", MALLORY)).isEqualTo(Verdict.CHANGED);
        assertThat(store.pinned("bob")).contains(BOB);
    }

    @Test
    void survivesReload() throws IOException {
        new PeerKeyStore(dir).check("bob", BOB);
        new PeerKeyStore(dir).check("carol", MALLORY);
        PeerKeyStore reloaded = new PeerKeyStore(dir);
        assertThat(reloaded.pinned("bob")).contains(BOB);
        assertThat(reloaded.pinned("carol")).contains(MALLORY);
        assertThat(reloaded.check("bob", MALLORY)).isEqualTo(Verdict.CHANGED);
        assertThat(Files.readAllLines(dir.resolve("known_identities")))
                .hasSize(2)
                .allMatch(l -> l.split(" ").length == 2);
    }

    @Test
    void acceptOverwritesAndPersists() throws IOException {
        PeerKeyStore store = new PeerKeyStore(dir);
        store.check("bob", BOB);
        store.trust("bob", MALLORY);
        assertThat(store.check("bob", MALLORY)).isEqualTo(Verdict.MATCH);
        assertThat(new PeerKeyStore(dir).pinned("bob")).contains(MALLORY);
    }

    @Test
    void fileIsOwnerOnly() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        new PeerKeyStore(dir).check("bob", BOB);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("known_identities"))))
                .isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("known_identities");
        }
    }

    @Test
    void createsMissingDirectory() throws IOException {
        Path nested = dir.resolve("a/b");
        new PeerKeyStore(nested).check("bob", BOB);
        assertThat(new PeerKeyStore(nested).pinned("bob")).contains(BOB);
    }

    @Test
    void corruptFileIsReportedWithLine() throws IOException {
        Files.writeString(dir.resolve("known_identities"), "bob AAAA\n");
        assertThatThrownBy(() -> new PeerKeyStore(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("known_identities")
                .hasMessageContaining("line 1");
    }

    @Test
    void rejectsNamesThatWouldBreakTheFileFormat() throws IOException {
        PeerKeyStore store = new PeerKeyStore(dir);
        assertThatThrownBy(() -> store.check("bob smith", BOB)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.trust("bob\nmallory", BOB)).isInstanceOf(IllegalArgumentException.class);
    }
}
