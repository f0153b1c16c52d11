package dev.spartan.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerCertificateTest {
    @TempDir
    Path dir;

    @Test
    void madeOnFirstStartAndReusedAfterwards() throws Exception {
        ServerCertificate first = ServerCertificate.loadOrCreate(dir, Clock.systemUTC());
        X509Certificate leaf = first.leaf();
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(leaf.getSubjectAlternativeNames())
                .extracting(san -> String.valueOf(san.get(1)))
                .contains("localhost", "127.0.0.1");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dir.resolve(ServerCertificate.KEY_FILE))))
                .isEqualTo("rw-------");

        ServerCertificate again = ServerCertificate.loadOrCreate(dir, Clock.systemUTC());
        assertThat(again.fingerprint()).isEqualTo(first.fingerprint());
        assertThat(first.fingerprint().toString()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
    }

    @Test
    void oneFileWithoutTheOtherIsRefusedWithOneLine() {
        ServerCertificate.loadOrCreate(dir, Clock.systemUTC());
        dir.resolve(ServerCertificate.KEY_FILE).toFile().delete();
        assertThatThrownBy(() -> ServerCertificate.loadOrCreate(dir, Clock.systemUTC()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("server.key is missing")
                .hasMessageNotContaining("\n");
    }

    @Test
    void pemFilesLoadAndAKeyOfAnotherCertificateIsRefused() {
        ServerCertificate a = ServerCertificate.selfSigned(Set.of("a.example"), Clock.systemUTC());
        ServerCertificate b = ServerCertificate.selfSigned(Set.of("b.example"), Clock.systemUTC());
        a.write(dir.resolve("a.crt"), dir.resolve("a.key"));
        b.write(dir.resolve("b.crt"), dir.resolve("b.key"));

        assertThat(ServerCertificate.load(dir.resolve("a.crt"), dir.resolve("a.key"))
                        .fingerprint())
                .isEqualTo(a.fingerprint());
        assertThatThrownBy(() -> ServerCertificate.load(dir.resolve("a.crt"), dir.resolve("b.key")))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("does not belong to the certificate");
        assertThatThrownBy(() -> ServerCertificate.load(dir.resolve("nope.crt"), dir.resolve("a.key")))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("nope.crt: file not found");
        assertThatThrownBy(() -> ServerCertificate.load(dir.resolve("a.key"), dir.resolve("a.key")))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("no PEM certificate");
    }

    @Test
    void fingerprintParsesItsOwnForm() {
        Fingerprint f =
                ServerCertificate.selfSigned(Set.of("x"), Clock.systemUTC()).fingerprint();
        assertThat(Fingerprint.parse(f.toString())).contains(f);
        assertThat(Fingerprint.parse(f.toString().replace(":", "").toLowerCase(java.util.Locale.ROOT)))
                .contains(f);
        assertThat(Fingerprint.parse("AB:CD")).isEmpty();
    }
}
