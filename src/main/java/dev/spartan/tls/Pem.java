package dev.spartan.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** PEM files as openssl, certbot and friends write them: certificates, and PKCS#8, SEC1 or PKCS#1 keys. */
final class Pem {
    private Pem() {}

    /** Every certificate in the file, in file order (a chain: leaf first). */
    static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> out = new ArrayList<>();
        for (Object o : objects(file)) {
            if (o instanceof X509CertificateHolder h) {
                out.add(converter.getCertificate(h));
            }
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
        }
        return out;
    }

    /** The first unencrypted private key in the file. */
    static PrivateKey privateKey(Path file) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(file)) {
            if (o instanceof PEMKeyPair pair) { // SEC1 or PKCS#1, where the public half may be missing
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
        }
        throw new IOException(file + ": no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----) in it");
    }

    private static List<Object> objects(Path file) throws IOException {
        List<Object> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(r)) {
            for (Object o; (o = parser.readObject()) != null; ) {
                out.add(o);
            }
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": file not found");
        }
        return out;
    }

    /** A certificate, or a private key as PKCS#8 ("PRIVATE KEY"), in PEM text. */
    static String encode(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            if (object instanceof PrivateKey key) {
                w.writeObject(new JcaPKCS8Generator(key, null));
            } else {
                w.writeObject(object);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + object.getClass().getSimpleName() + " as PEM", e);
        }
        return out.toString();
    }
}
