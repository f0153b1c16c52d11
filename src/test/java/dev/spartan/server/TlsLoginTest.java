package dev.spartan.server;

import static dev.spartan.server.StatusMappingTest.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.backend.EmbeddedBackend;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.testing.Ports;
import dev.spartan.testing.WireSession;
import dev.spartan.tls.ServerCertificate;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.net.Socket;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PROTOCOL.md's recipes for a client written on an ordinary TLS stack (plain JSSE and gRPC here, not the reference
 * client's trust code), against real nodes on real TLS: how to pin a node's certificate, and what a login's channel
 * binding is checked against.
 */
class TlsLoginTest {
    /** A certificate whose names are never the address connected to, as a node's own is on another machine. */
    private static final Set<String> ELSEWHERE = Set.of("elsewhere.invalid");

    private final List<SpartanServer> nodes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final Identity alice = Identity.generate();

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        nodes.forEach(SpartanServer::close);
    }

    /** A node on its own store and a fresh self-signed certificate; returns its port. */
    private int node(ServerCertificate certificate) throws Exception {
        SpartanConfig config =
                ConfigLoader.load(java.nio.file.Path.of("config.yaml")).withPort(Ports.free());
        config = config.withOperations(config.operations().withDrain(Duration.ZERO)); // nothing to move away
        ServerTransport transport = ServerTransport.tls(certificate, null);
        nodes.add(new SpartanServer(
                        config,
                        new EmbeddedBackend(EmbeddedStore.inMemory()),
                        Grpc.newServerBuilderForPort(config.port(), transport.credentials()),
                        transport,
                        Clock.systemUTC())
                .start());
        return config.port();
    }

    private AuthGrpc.AuthBlockingStub auth(String target, ChannelCredentials credentials) {
        return auth(Grpc.newChannelBuilder(target, credentials).build());
    }

    private AuthGrpc.AuthBlockingStub auth(ManagedChannel channel) {
        channels.add(channel);
        return AuthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static byte[] challenge(AuthGrpc.AuthBlockingStub auth) {
        return auth.challenge(ChallengeRequest.newBuilder().setUser("alice").build())
                .getNonce()
                .toByteArray();
    }

    private LoginRequest login(byte[] nonce, byte[] binding) {
        return LoginRequest.newBuilder()
                .setUser("alice")
                .setNonce(ByteString.copyFrom(nonce))
                .setSignature(ByteString.copyFrom(LoginProof.sign(alice, "alice", nonce, binding)))
                .setKeys(WireSession.wire(alice))
                .build();
    }

    @Test
    void aClientPinsByTrustingExactlyTheFetchedCertificateAndIgnoringItsNames() throws Exception {
        ServerCertificate certificate = ServerCertificate.selfSigned(ELSEWHERE, Clock.systemUTC());
        int port = node(certificate);
        String target = "127.0.0.1:" + port;

        // 1. Fetch: a handshake that accepts any certificate and reads the leaf; nothing is sent on it.
        X509Certificate fetched = fetchLeaf(port);
        byte[] pin = sha256(fetched.getEncoded());
        // 2. Compare: the SHA-256 of its DER encoding is what the node printed at start.
        assertThat(HexFormat.ofDelimiter(":").withUpperCase().formatHex(pin))
                .isEqualTo(certificate.fingerprint().toString());

        // An ordinary stack that trusts the certificate as its only root still checks the host name, and the
        // certificate does not name 127.0.0.1: refused.
        ChannelCredentials asRoot = TlsChannelCredentials.newBuilder()
                .trustManager(onlyRoot(fetched))
                .build();
        assertStatus(() -> challenge(auth(target, asRoot)), Status.Code.UNAVAILABLE, "");
        // The same trust, with the name checked against one the certificate carries instead: accepted.
        AuthGrpc.AuthBlockingStub named = auth(Grpc.newChannelBuilder(target, asRoot)
                .overrideAuthority("elsewhere.invalid")
                .build());
        assertThat(named.login(login(challenge(named), pin)).getSessionToken()).isNotEmpty();

        // 3. Trust exactly that certificate, whatever its names, chain or dates: the login is bound to the pin.
        AuthGrpc.AuthBlockingStub pinned = auth(target, pinnedTo(pin));
        LoginResponse login = pinned.login(login(challenge(pinned), pin));
        assertThat(login.getSessionToken()).isNotEmpty();

        // Another certificate on the same address is refused by that check, before anything is sent.
        int other = node(ServerCertificate.selfSigned(ELSEWHERE, Clock.systemUTC()));
        assertStatus(() -> challenge(auth("127.0.0.1:" + other, pinnedTo(pin))), Status.Code.UNAVAILABLE, "");
    }

    @Test
    void theLoginIsCheckedAgainstTheCertificateOfItsOwnConnectionAndTheNonceOfItsNode() throws Exception {
        ServerCertificate first = ServerCertificate.selfSigned(ELSEWHERE, Clock.systemUTC());
        ServerCertificate second = ServerCertificate.selfSigned(ELSEWHERE, Clock.systemUTC());
        String one = "127.0.0.1:" + node(first);
        String two = "127.0.0.1:" + node(second);
        byte[] firstPin = first.fingerprint().bytes();
        byte[] secondPin = second.fingerprint().bytes();

        // A Login on a second connection to the node that gave the challenge, with the same certificate, passes.
        byte[] nonce = challenge(auth(one, pinnedTo(firstPin)));
        assertThat(auth(one, pinnedTo(firstPin)).login(login(nonce, firstPin)).getSessionToken())
                .isNotEmpty();

        // A nonce lives on the node that issued it: the same Login at another node finds no challenge.
        byte[] fromOne = challenge(auth(one, pinnedTo(firstPin)));
        assertStatus(
                () -> auth(two, pinnedTo(secondPin)).login(login(fromOne, secondPin)),
                Status.Code.UNAUTHENTICATED,
                "the login challenge is unknown, used or expired: ask for a new one");

        // A signature over the certificate the Challenge came with, sent where another certificate is presented,
        // does not verify: the binding is the Login's connection's.
        byte[] fromTwo = challenge(auth(two, pinnedTo(secondPin)));
        assertStatus(
                () -> auth(two, pinnedTo(secondPin)).login(login(fromTwo, firstPin)),
                Status.Code.UNAUTHENTICATED,
                "the signature over the login challenge is not valid for these keys on this connection");
    }

    /** The certificate a node presents, read from a handshake that trusts anything. */
    private static X509Certificate fetchLeaf(int port) throws Exception {
        X509Certificate[] seen = new X509Certificate[1];
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new Pinned(null, seen)}, null);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters params = socket.getSSLParameters();
            params.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(params);
            socket.startHandshake();
        }
        return seen[0];
    }

    private static ChannelCredentials pinnedTo(byte[] pin) {
        return TlsChannelCredentials.newBuilder()
                .trustManager(new Pinned(pin, new X509Certificate[1]))
                .build();
    }

    /** JSSE's own trust manager with one trust anchor: the fetched certificate. */
    private static TrustManager[] onlyRoot(X509Certificate certificate) throws Exception {
        KeyStore roots = KeyStore.getInstance("PKCS12");
        roots.load(null, null);
        roots.setCertificateEntry("pinned", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(roots);
        return tmf.getTrustManagers();
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /**
     * Accepts a server whose first certificate has the SHA-256 {@code pin} (any, when null), and nothing else: no
     * CA, no host name, no dates. An extended trust manager, so that JSSE adds no host-name check of its own.
     */
    private static final class Pinned extends X509ExtendedTrustManager {
        private final byte[] pin;
        private final X509Certificate[] seen;

        Pinned(byte[] pin, X509Certificate[] seen) {
            this.pin = pin;
            this.seen = seen;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            seen[0] = chain[0];
            try {
                if (pin != null && !MessageDigest.isEqual(pin, sha256(chain[0].getEncoded()))) {
                    throw new CertificateException("not the pinned certificate");
                }
            } catch (CertificateException e) {
                throw e;
            } catch (Exception e) {
                throw new CertificateException(e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client accepts no connections");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client accepts no connections");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a client accepts no connections");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
