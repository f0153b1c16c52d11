package dev.spartan.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;

/**
 * Rotation statements: the proof, carried in a node's new certificate, that the key of the certificate a client
 * pinned handed over to the new key. The chain of every rotation so far travels in an X.509 extension of the leaf,
 * so a client checks it during the TLS handshake, where it checks the pin, with nothing fetched over an untrusted
 * connection. Byte layout: PROTOCOL.md, "Certificate rotation".
 */
public final class CertRotation {
    /** A UUID OID (ITU-T X.667), so no registry is needed. */
    public static final String EXTENSION_OID = "2.25.293969808844615264463104482587380577527";

    static final byte[] LABEL = "spartan/cert-rotation/v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    /** One hand-over: the old certificate, the new key's hash, when, and both keys' signatures. */
    public static final class Link {
        private final byte[] oldCertificate;
        private final byte[] newKeyHash;
        private final long rotatedAtMillis;
        private final byte[] oldSignature;
        private final byte[] newSignature;

        public Link(
                byte[] oldCertificate,
                byte[] newKeyHash,
                long rotatedAtMillis,
                byte[] oldSignature,
                byte[] newSignature) {
            this.oldCertificate = oldCertificate.clone();
            this.newKeyHash = newKeyHash.clone();
            this.rotatedAtMillis = rotatedAtMillis;
            this.oldSignature = oldSignature.clone();
            this.newSignature = newSignature.clone();
        }

        public byte[] oldCertificate() {
            return oldCertificate.clone();
        }

        byte[] newKeyHash() {
            return newKeyHash.clone();
        }

        byte[] oldSignature() {
            return oldSignature.clone();
        }

        byte[] newSignature() {
            return newSignature.clone();
        }

        /** What both keys sign: the label, then the body. */
        byte[] signed() {
            return concat(LABEL, body());
        }

        byte[] body() {
            return ByteBuffer.allocate(2 + oldCertificate.length + 32 + 8)
                    .putShort((short) oldCertificate.length)
                    .put(oldCertificate)
                    .put(newKeyHash)
                    .putLong(rotatedAtMillis)
                    .array();
        }
    }

    private CertRotation() {}

    /** A link from {@code old} (whose key is {@code oldKey}) to the key pair {@code newPublic}/{@code newKey}. */
    public static Link link(
            X509Certificate old, PrivateKey oldKey, PublicKey newPublic, PrivateKey newKey, long nowMillis) {
        try {
            Link unsigned = new Link(old.getEncoded(), keyHash(newPublic), nowMillis, new byte[0], new byte[0]);
            byte[] signed = unsigned.signed();
            return new Link(
                    unsigned.oldCertificate(),
                    unsigned.newKeyHash(),
                    nowMillis,
                    sign(oldKey, signed),
                    sign(newKey, signed));
        } catch (GeneralSecurityException e) {
            throw new TlsException("cannot sign the rotation statement: " + e.getMessage());
        }
    }

    /** SHA-256 of the key's SubjectPublicKeyInfo DER. */
    public static byte[] keyHash(PublicKey key) {
        return Fingerprint.sha256(key.getEncoded());
    }

    /** The extension's value: version, count, then each link (oldest first). */
    public static byte[] encode(List<Link> links) {
        if (links.size() > 255) {
            throw new TlsException("more than 255 rotations in one chain");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(VERSION);
        out.write(links.size());
        for (Link l : links) {
            writeField(out, l.body());
            writeField(out, l.oldSignature());
            writeField(out, l.newSignature());
        }
        return out.toByteArray();
    }

    public static List<Link> decode(byte[] value) {
        try {
            ByteBuffer in = ByteBuffer.wrap(value);
            int version = in.get() & 0xff;
            if (version != VERSION) {
                throw new TlsException(
                        "rotation statement of version " + version + " (this client knows " + VERSION + ")");
            }
            int count = in.get() & 0xff;
            List<Link> links = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ByteBuffer body = ByteBuffer.wrap(readField(in));
                byte[] cert = new byte[body.getShort() & 0xffff];
                body.get(cert);
                byte[] keyHash = new byte[32];
                body.get(keyHash);
                long at = body.getLong();
                if (body.hasRemaining()) {
                    throw new TlsException("rotation statement " + (i + 1) + " has trailing bytes");
                }
                links.add(new Link(cert, keyHash, at, readField(in), readField(in)));
            }
            if (in.hasRemaining()) {
                throw new TlsException("rotation statements have trailing bytes");
            }
            return links;
        } catch (BufferUnderflowException e) {
            throw new TlsException("rotation statements are cut short");
        }
    }

    /** The links carried by {@code leaf}; empty if it has none. */
    public static List<Link> of(X509Certificate leaf) {
        byte[] ext = leaf.getExtensionValue(EXTENSION_OID);
        if (ext == null) {
            return List.of();
        }
        try {
            ASN1Primitive outer = ASN1Primitive.fromByteArray(ext); // extnValue OCTET STRING
            ASN1Primitive inner = ASN1Primitive.fromByteArray(
                    ASN1OctetString.getInstance(outer).getOctets());
            return decode(ASN1OctetString.getInstance(inner).getOctets());
        } catch (IOException | IllegalArgumentException e) {
            throw new TlsException("the rotation extension is not an OCTET STRING: " + e.getMessage());
        }
    }

    /**
     * Checks that {@code leaf} was handed over, through its chain of statements, from the certificate pinned as
     * {@code pin}. Throws a {@link TlsException} that says what is wrong otherwise (no statement included).
     */
    public static void verify(Fingerprint pin, X509Certificate leaf) {
        List<Link> links = of(leaf);
        if (links.isEmpty()) {
            throw new TlsException("it carries no rotation statement");
        }
        int start = -1;
        for (int i = 0; i < links.size(); i++) {
            if (Fingerprint.of(certificate(links.get(i).oldCertificate(), i)).equals(pin)) {
                start = i;
            }
        }
        if (start < 0) {
            throw new TlsException(
                    "none of its " + links.size() + " rotation statement(s) starts from the pinned" + " certificate");
        }
        for (int i = start; i < links.size(); i++) {
            Link link = links.get(i);
            X509Certificate old = certificate(link.oldCertificate(), i);
            PublicKey next = i + 1 < links.size()
                    ? certificate(links.get(i + 1).oldCertificate(), i + 1).getPublicKey()
                    : leaf.getPublicKey();
            if (!Arrays.equals(keyHash(next), link.newKeyHash())) {
                throw new TlsException(
                        "rotation statement " + (i + 1) + " names another key than the next" + " certificate's");
            }
            byte[] signed = link.signed();
            if (!verifies(old.getPublicKey(), signed, link.oldSignature())) {
                throw new TlsException("rotation statement " + (i + 1) + " is not signed by the key of the"
                        + " certificate it hands over from");
            }
            if (!verifies(next, signed, link.newSignature())) {
                throw new TlsException("rotation statement " + (i + 1) + " is not signed by the new key");
            }
        }
    }

    static byte[] sign(PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature s = Signature.getInstance(algorithm(key.getAlgorithm()));
        s.initSign(key);
        s.update(data);
        return s.sign();
    }

    private static boolean verifies(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(algorithm(key.getAlgorithm()));
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a malformed signature is a wrong one
        }
    }

    /** The JCA signature for a key algorithm: SHA-256 with ECDSA or RSA, else the algorithm itself (EdDSA). */
    static String algorithm(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> keyAlgorithm;
        };
    }

    private static X509Certificate certificate(byte[] der, int index) {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new TlsException("rotation statement " + (index + 1) + " holds no valid certificate");
        }
    }

    private static void writeField(ByteArrayOutputStream out, byte[] field) {
        out.write(field.length >>> 8);
        out.write(field.length);
        out.writeBytes(field);
    }

    private static byte[] readField(ByteBuffer in) {
        byte[] field = new byte[in.getShort() & 0xffff];
        in.get(field);
        return field;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
