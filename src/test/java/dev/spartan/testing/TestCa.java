package dev.spartan.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway certificate authority for tests of CA-verified TLS. */
public final class TestCa {
    private final KeyPair key = ecKey();
    private final X509Certificate cert;

    public TestCa() {
        X500Name name = new X500Name("CN=Spartan test CA");
        cert = sign(name, key, new BasicConstraints(true), null);
    }

    /** Writes the CA certificate as PEM. */
    public Path writeCertificate(Path file) {
        return write(file, cert);
    }

    /**
     * Issues a server certificate for one DNS name and writes it with its key.
     *
     * @return the certificate file; the key is next to it as {@code <name>.key}
     */
    public Path issue(String dnsName, Path dir) {
        KeyPair serverKey = ecKey();
        X509Certificate server = sign(new X500Name("CN=" + dnsName), serverKey, new BasicConstraints(false), dnsName);
        write(dir.resolve(dnsName + ".key"), serverKey.getPrivate());
        return write(dir.resolve(dnsName + ".crt"), server);
    }

    private X509Certificate sign(X500Name subject, KeyPair subjectKey, BasicConstraints constraints, String dns) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    new X500Name("CN=Spartan test CA"),
                    BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))),
                    subject,
                    subjectKey.getPublic());
            b.addExtension(Extension.basicConstraints, true, constraints);
            if (dns != null) {
                b.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, dns)));
            }
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKey() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(Path file, Object pemObject) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(
                    pemObject instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : pemObject); // as openssl does
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
