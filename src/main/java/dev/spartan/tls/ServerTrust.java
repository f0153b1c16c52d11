package dev.spartan.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a client decides to trust one server. A certificate that chains to a CA (the JDK's, or only those of
 * {@code --ca}) is checked for its chain and host name, as a browser would. Otherwise, unless a CA file was given,
 * the certificate is pinned by its fingerprint on first use and must stay the same afterwards.
 */
public final class ServerTrust extends X509ExtendedTrustManager {
    private final String target;
    private final X509ExtendedTrustManager authorities;
    private final KnownServers pins; // null: only the authorities count
    private volatile ChangedCertificateException changed;
    private volatile String rotation;

    private ServerTrust(String target, X509ExtendedTrustManager authorities, KnownServers pins) {
        this.target = Objects.requireNonNull(target, "target");
        this.authorities = Objects.requireNonNull(authorities, "authorities");
        this.pins = pins;
    }

    /** The JDK's CAs, else the pin in {@code pins}, made on first use. */
    public static ServerTrust pinning(String target, KnownServers pins) {
        return new ServerTrust(target, authorities(null), Objects.requireNonNull(pins, "pins"));
    }

    /** Only certificates issued by the CAs in {@code caFile} (PEM), for the host name connected to. */
    public static ServerTrust authority(String target, Path caFile) {
        return authority(target, java.util.List.of(caFile));
    }

    /** Only certificates issued by the CAs in any of {@code caFiles}, for the host name connected to. */
    public static ServerTrust authority(String target, java.util.List<Path> caFiles) {
        KeyStore store;
        Path current = caFiles.get(0);
        try {
            store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int n = 0;
            for (Path caFile : caFiles) {
                current = caFile;
                for (X509Certificate ca : Pem.certificates(caFile)) {
                    store.setCertificateEntry("ca" + n++, ca);
                }
            }
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsException("cannot use " + current + " as CA file: " + e.getMessage());
        }
        return new ServerTrust(target, authorities(store), null);
    }

    private static X509ExtendedTrustManager authorities(KeyStore store) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new TlsException("no usable trust store in this JDK: " + e.getMessage());
        }
        throw new TlsException("no X.509 trust manager in this JDK");
    }

    /** Set when the last refusal was a pinned certificate that changed. */
    public Optional<ChangedCertificateException> changed() {
        return Optional.ofNullable(changed);
    }

    /** The notice for the user when the last handshake re-pinned by a valid rotation statement. */
    public Optional<String> rotation() {
        return Optional.ofNullable(rotation);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            authorities.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException notFromAnAuthority) {
            pinned(chain, notFromAnAuthority);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        try {
            authorities.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException notFromAnAuthority) {
            pinned(chain, notFromAnAuthority);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            authorities.checkServerTrusted(chain, authType);
        } catch (CertificateException notFromAnAuthority) {
            pinned(chain, notFromAnAuthority);
        }
    }

    private void pinned(X509Certificate[] chain, CertificateException notFromAnAuthority) throws CertificateException {
        if (pins == null || chain == null || chain.length == 0) {
            throw notFromAnAuthority;
        }
        Fingerprint presented = Fingerprint.of(chain[0]);
        Fingerprint pin = pins.pinIfAbsent(target, presented);
        if (pin.equals(presented)) {
            return;
        }
        try {
            CertRotation.verify(pin, chain[0]);
        } catch (TlsException noValidStatement) {
            boolean hasStatement = chain[0].getExtensionValue(CertRotation.EXTENSION_OID) != null;
            changed = new ChangedCertificateException(
                    target, pin, presented, pins.file(), hasStatement ? noValidStatement.getMessage() : null);
            throw changed;
        }
        pins.repin(target, pin, presented);
        rotation = "The server's operator rotated the TLS certificate of " + target + " (SHA-256 " + pin + " -> "
                + presented + "); its rotation statement is signed by the pinned certificate's key, so the new"
                + " certificate is pinned now.";
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a client does not accept connections");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a client does not accept connections");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client does not accept connections");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return authorities.getAcceptedIssuers();
    }
}
