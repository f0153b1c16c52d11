package dev.spartan.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation statements: the bytes, a chain of rotations a client follows, and forgeries it refuses. */
class CertRotationTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String TARGET = "localhost:3000";

    @TempDir
    Path dir;

    private final Clock clock = Clock.systemUTC();

    @Test
    void theBytesOfPROTOCOLmd() {
        // A placeholder "certificate" of 5 bytes keeps the vector short; the layout is the same for a real DER.
        CertRotation.Link link = new CertRotation.Link(
                HEX.parseHex("3003020101"),
                HEX.parseHex("11".repeat(32)),
                1893456000000L,
                HEX.parseHex("aabb"),
                HEX.parseHex("ccdd"));
        String body = "0005" + "3003020101" + "11".repeat(32) + "000001b8dac5b400";
        assertThat(HEX.formatHex(link.signed())).isEqualTo("7370617274616e2f636572742d726f746174696f6e2f763100" + body);
        assertThat(HEX.formatHex(CertRotation.encode(List.of(link))))
                .isEqualTo("0101" + "002f" + body + "0002aabb" + "0002ccdd");
        assertThat(CertRotation.decode(CertRotation.encode(List.of(link)))
                        .get(0)
                        .body())
                .isEqualTo(link.body());
    }

    @Test
    void aClientThatPinnedAnyEarlierCertificateFollowsAChainOfRotationsAndRePinsWithANotice() throws Exception {
        Fingerprint first = ServerCertificate.loadOrCreate(dir, clock).fingerprint();
        KnownServers early = new KnownServers(dir.resolve("early/known_servers"));
        early.pinIfAbsent(TARGET, first);

        ServerCertificate.Rotated once = ServerCertificate.rotate(dir, clock);
        KnownServers middle = new KnownServers(dir.resolve("middle/known_servers"));
        middle.pinIfAbsent(TARGET, once.to());
        ServerCertificate.Rotated twice = ServerCertificate.rotate(dir, clock);
        assertThat(once.from()).isEqualTo(first);
        assertThat(twice.from()).isEqualTo(once.to());
        assertThat(twice.chainLength()).isEqualTo(2);
        // what the running node serves until its restart, for `spartan health --data` to trust meanwhile
        assertThat(ServerCertificate.firstCertificate(dir.resolve(ServerCertificate.PREVIOUS_CERT_FILE)))
                .isEqualTo(once.to());
        X509Certificate current = ServerCertificate.loadOrCreate(dir, clock).leaf();

        for (KnownServers pins : List.of(early, middle)) {
            Fingerprint pinned = pins.pinned(TARGET).orElseThrow();
            ServerTrust trust = ServerTrust.pinning(TARGET, pins);
            trust.checkServerTrusted(new X509Certificate[] {current}, "ECDHE_ECDSA");
            assertThat(pins.pinned(TARGET)).contains(twice.to());
            assertThat(trust.rotation())
                    .contains("The server's operator rotated the TLS certificate of " + TARGET + " (SHA-256 "
                            + pinned + " -> " + twice.to() + "); its rotation statement is signed by the pinned"
                            + " certificate's key, so the new certificate is pinned now.");
        }
    }

    @Test
    void aRotationStatementNotSignedByThePinnedKeyIsRefusedAndThePinKept() throws Exception {
        ServerCertificate pinned = ServerCertificate.loadOrCreate(dir, clock);
        KnownServers pins = new KnownServers(dir.resolve("known_servers"));
        pins.pinIfAbsent(TARGET, pinned.fingerprint());

        // Someone without the pinned key: a statement from the pinned certificate, signed with their own key.
        KeyPair theirs = ecPair();
        ServerCertificate other = ServerCertificate.selfSigned(Set.of("localhost"), clock, theirs, List.of());
        CertRotation.Link forged =
                CertRotation.link(pinned.leaf(), ecPair().getPrivate(), theirs.getPublic(), theirs.getPrivate(), 1L);
        ServerCertificate forgedCert =
                ServerCertificate.selfSigned(Set.of("localhost"), clock, theirs, List.of(forged));
        assertRefused(
                pins,
                pinned.fingerprint(),
                forgedCert.leaf(),
                "is not signed by the key of the certificate it hands over from");

        // A genuine statement, presented by a certificate of another key than the one it hands over to.
        ServerCertificate.rotate(dir, clock);
        List<CertRotation.Link> genuine =
                CertRotation.of(ServerCertificate.loadOrCreate(dir, clock).leaf());
        ServerCertificate replayed = ServerCertificate.selfSigned(Set.of("localhost"), clock, theirs, genuine);
        assertRefused(pins, pinned.fingerprint(), replayed.leaf(), "names another key than the next certificate's");

        // No statement at all: refused exactly as any changed certificate.
        ServerTrust plain = ServerTrust.pinning(TARGET, pins);
        assertThatThrownBy(() -> plain.checkServerTrusted(new X509Certificate[] {other.leaf()}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
        assertThat(plain.changed().orElseThrow().advice()).doesNotContain("rotation");
        assertThat(pins.pinned(TARGET)).contains(pinned.fingerprint());
    }

    private static void assertRefused(KnownServers pins, Fingerprint pin, X509Certificate leaf, String reason) {
        ServerTrust trust = ServerTrust.pinning(TARGET, pins);
        assertThatThrownBy(() -> trust.checkServerTrusted(new X509Certificate[] {leaf}, "ECDHE_ECDSA"))
                .isInstanceOf(ChangedCertificateException.class);
        assertThat(trust.changed().orElseThrow().advice())
                .contains("Its rotation statement is not valid (rotation statement 1 " + reason
                        + "), so it is refused: it may be forged.");
        assertThat(trust.rotation()).isEmpty();
        assertThat(pins.pinned(TARGET)).contains(pin);
    }

    private static KeyPair ecPair() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        return gen.generateKeyPair();
    }
}
