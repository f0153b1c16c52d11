package dev.spartan.tls;

import dev.spartan.crypto.PrivateFiles;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The server's TLS identity: a certificate chain and its private key. Either PEM files the operator provides, or a
 * self-signed ECDSA P-256 certificate the node makes in its data directory on first start and reuses afterwards, so
 * that the fingerprint clients pinned stays valid across restarts.
 */
public final class ServerCertificate {
    /** Under the data directory. */
    public static final String CERT_FILE = "tls/server.crt";

    public static final String KEY_FILE = "tls/server.key";

    /** The certificate a rotation replaced (no key): what the running node serves until its restart. */
    public static final String PREVIOUS_CERT_FILE = "tls/previous.crt";

    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final List<X509Certificate> chain;
    private final PrivateKey key;

    private ServerCertificate(List<X509Certificate> chain, PrivateKey key) {
        this.chain = List.copyOf(chain);
        this.key = Objects.requireNonNull(key, "key");
    }

    /** The node's own certificate from {@code dataDir}, made there first if neither file exists. */
    public static ServerCertificate loadOrCreate(Path dataDir, Clock clock) {
        Path cert = dataDir.resolve(CERT_FILE);
        Path key = dataDir.resolve(KEY_FILE);
        boolean hasCert = Files.exists(cert);
        boolean hasKey = Files.exists(key);
        if (hasCert && hasKey) {
            return load(cert, key);
        }
        if (hasCert || hasKey) {
            throw new TlsException((hasCert ? key : cert) + " is missing while " + (hasCert ? cert : key)
                    + " exists: restore it, or delete both to make a new certificate (clients will then refuse"
                    + " the new one until they re-pin it)");
        }
        ServerCertificate made = selfSigned(hostNames(), clock);
        made.write(cert, key);
        return made;
    }

    /** A certificate chain (leaf first) and its private key, from PEM files. */
    public static ServerCertificate load(Path certFile, Path keyFile) {
        ServerCertificate loaded;
        try {
            loaded = new ServerCertificate(Pem.certificates(certFile), Pem.privateKey(keyFile));
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException(e.getMessage());
        }
        loaded.checkPair();
        return loaded;
    }

    /** The fingerprint of the first certificate in a PEM file (one whose key this node does not hold). */
    public static Fingerprint firstCertificate(Path certFile) {
        try {
            return Fingerprint.of(Pem.certificates(certFile).get(0));
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException(e.getMessage());
        }
    }

    /** Refuses a key that does not belong to the certificate: TLS would otherwise fail only at the first client. */
    private void checkPair() {
        String algorithm = CertRotation.algorithm(key.getAlgorithm());
        try {
            byte[] probe = "spartan key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf().getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signer.sign())) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's: the same answer as a wrong key
        }
        throw new TlsException("the private key does not belong to the certificate "
                + leaf().getSubjectX500Principal().getName());
    }

    /** A fresh self-signed ECDSA P-256 server certificate for these DNS names and IP addresses. */
    public static ServerCertificate selfSigned(Set<String> names, Clock clock) {
        return selfSigned(names, clock, newKeyPair(), List.of());
    }

    /**
     * A new key and certificate for the node of {@code dataDir}, whose certificate carries every rotation statement
     * of the current one plus the statement handing over from it, so clients that pinned any earlier certificate of
     * the chain re-pin by themselves. Takes effect when the node starts next.
     */
    public static Rotated rotate(Path dataDir, Clock clock) {
        Path cert = dataDir.resolve(CERT_FILE);
        Path key = dataDir.resolve(KEY_FILE);
        if (!Files.exists(cert) || !Files.exists(key)) {
            throw new TlsException("no certificate to rotate in " + dataDir.resolve("tls")
                    + ": the node makes one at its first start");
        }
        ServerCertificate old = load(cert, key);
        KeyPair pair = newKeyPair();
        List<CertRotation.Link> links = new ArrayList<>(CertRotation.of(old.leaf()));
        links.add(CertRotation.link(old.leaf(), old.key, pair.getPublic(), pair.getPrivate(), clock.millis()));
        ServerCertificate made = selfSigned(hostNames(), clock, pair, links);
        try {
            Files.writeString(dataDir.resolve(PREVIOUS_CERT_FILE), Pem.encode(old.leaf()), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new TlsException("cannot write " + dataDir.resolve(PREVIOUS_CERT_FILE) + ": " + e.getMessage());
        }
        made.write(cert, key);
        return new Rotated(old.fingerprint(), made.fingerprint(), links.size());
    }

    /** What {@link #rotate} did. */
    public record Rotated(Fingerprint from, Fingerprint to, int chainLength) {}

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new TlsException("cannot make a TLS key: " + e.getMessage());
        }
    }

    static ServerCertificate selfSigned(
            Set<String> names, Clock clock, KeyPair pair, List<CertRotation.Link> rotations) {
        try {
            X500Name subject =
                    new X500Name("CN=Spartan server " + names.iterator().next());
            Instant now = clock.instant();
            List<GeneralName> sans = new ArrayList<>();
            for (String name : names) {
                sans.add(new GeneralName(
                        name.matches("[0-9.]+") || name.contains(":") ? GeneralName.iPAddress : GeneralName.dNSName,
                        name));
            }
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    subject,
                    new BigInteger(127, new SecureRandom()),
                    Date.from(now.minus(Duration.ofHours(1))), // tolerate a client clock a little behind
                    Date.from(now.plus(VALIDITY)),
                    subject,
                    pair.getPublic());
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            if (!rotations.isEmpty()) {
                b.addExtension(
                        new ASN1ObjectIdentifier(CertRotation.EXTENSION_OID),
                        false,
                        new DEROctetString(CertRotation.encode(rotations)));
            }
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new ServerCertificate(List.of(cert), pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new TlsException("cannot make a TLS certificate: " + e.getMessage());
        }
    }

    /** localhost, 127.0.0.1, ::1 and this machine's host name. */
    static Set<String> hostNames() {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (host != null && !host.isBlank()) {
                names.add(host);
            }
        } catch (IOException e) {
            // No resolvable host name: the certificate still covers localhost, and pinning ignores names.
        }
        return names;
    }

    /** Writes the chain and the key (mode 600) as PEM files. */
    public void write(Path certFile, Path keyFile) {
        try {
            PrivateFiles.createDir(keyFile.toAbsolutePath().getParent());
            PrivateFiles.write(keyFile, Pem.encode(key).getBytes(StandardCharsets.US_ASCII));
            StringBuilder certs = new StringBuilder();
            chain.forEach(c -> certs.append(Pem.encode(c)));
            Files.createDirectories(certFile.toAbsolutePath().getParent());
            // replaced whole, so a rotation cut short leaves a certificate that is readable, if not the key's
            Path temp = certFile.resolveSibling(certFile.getFileName() + ".tmp");
            Files.writeString(temp, certs, StandardCharsets.US_ASCII);
            Files.move(
                    temp,
                    certFile,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TlsException("cannot write the TLS certificate to " + certFile + ": " + e.getMessage());
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public Fingerprint fingerprint() {
        return Fingerprint.of(leaf());
    }

    /** What a gRPC server needs to speak TLS with this certificate. */
    public ServerCredentials credentials() {
        return TlsServerCredentials.newBuilder().keyManager(keyManagers()).build();
    }

    /** The certificate and its key as JSSE key managers. */
    public KeyManager[] keyManagers() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            // This store lives in memory for a moment, never on disk: one PBKDF2 round, not PKCS12's default 10,000
            // (they were a quarter of a server's own start-up CPU, and again at each certificate rotation).
            store.setEntry(
                    "server",
                    new KeyStore.PrivateKeyEntry(key, chain.toArray(X509Certificate[]::new)),
                    new KeyStore.PasswordProtection(
                            password, "PBEWithHmacSHA256AndAES_256", new PBEParameterSpec(new byte[16], 1)));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return kmf.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException("cannot use the TLS certificate: " + e.getMessage());
        }
    }
}
