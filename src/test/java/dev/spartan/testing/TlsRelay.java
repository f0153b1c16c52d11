package dev.spartan.testing;

import dev.spartan.tls.ServerCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An on-path attacker with its own certificate: it terminates the client's TLS (HTTP/2 negotiated by ALPN, as gRPC
 * needs), opens its own TLS connection to the real server, and relays the HTTP/2 bytes between the two unchanged.
 */
public final class TlsRelay implements AutoCloseable {
    private final SSLServerSocket listener;
    private final SSLContext upstream;
    private final int target;
    private final ServerCertificate certificate =
            ServerCertificate.selfSigned(Set.of("localhost", "127.0.0.1"), Clock.systemUTC());
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    public TlsRelay(int targetPort) {
        this.target = targetPort;
        try {
            SSLContext own = SSLContext.getInstance("TLS");
            own.init(certificate.keyManagers(), null, new SecureRandom());
            listener = (SSLServerSocket)
                    own.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            SSLParameters p = listener.getSSLParameters();
            p.setApplicationProtocols(new String[] {"h2"});
            listener.setSSLParameters(p);
            upstream = SSLContext.getInstance("TLS");
            upstream.init(null, new TrustManager[] {new TrustAnything()}, new SecureRandom());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
        Thread accept = new Thread(this::accept, "tls-relay");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    public ServerCertificate certificate() {
        return certificate;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                SSLSocket client = (SSLSocket) listener.accept();
                SSLSocket server =
                        (SSLSocket) upstream.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), target);
                SSLParameters p = server.getSSLParameters();
                p.setApplicationProtocols(new String[] {"h2"});
                server.setSSLParameters(p);
                open.add(client);
                open.add(server);
                Pump.start("tls-relay-pump", client.getInputStream(), server.getOutputStream(), Pump.Tap.NONE);
                Pump.start("tls-relay-pump", server.getInputStream(), client.getOutputStream(), Pump.Tap.NONE);
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** The attacker does not care whom it talks to. */
    private static final class TrustAnything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
