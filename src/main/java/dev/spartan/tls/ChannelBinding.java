package dev.spartan.tls;

import java.security.cert.Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The 32 bytes a login proof is bound to: the SHA-256 fingerprint of the server certificate of the TLS connection
 * the login travels on, as each side sees it. A client talking to a relay signs the relay's certificate, which the
 * real server does not have, so a relayed login is refused. Without TLS the binding is {@link #plaintext()}.
 */
public final class ChannelBinding {
    private ChannelBinding() {}

    /** The binding of a connection without TLS: 32 zero bytes. */
    public static byte[] plaintext() {
        return new byte[32];
    }

    /** Client side: the certificate the server presented; {@link #plaintext()} without a TLS session. */
    public static byte[] ofPeer(SSLSession session) {
        if (session == null) {
            return plaintext();
        }
        try {
            return leaf(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            return plaintext();
        }
    }

    /** Server side: the certificate this server presented; {@link #plaintext()} without a TLS session. */
    public static byte[] ofLocal(SSLSession session) {
        return session == null ? plaintext() : leaf(session.getLocalCertificates());
    }

    private static byte[] leaf(Certificate[] chain) {
        return chain == null || chain.length == 0
                ? plaintext()
                : Fingerprint.of(chain[0]).bytes();
    }
}
