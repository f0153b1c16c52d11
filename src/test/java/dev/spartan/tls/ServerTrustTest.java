package dev.spartan.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.testing.TestCa;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's trust decisions against a real gRPC TLS server: pinning on first use, and CA verification. */
class ServerTrustTest {
    @TempDir
    Path dir;

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdownNow();
        }
    }

    private int serve(ServerCertificate certificate) throws Exception {
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        server = Grpc.newServerBuilderForPort(0, certificate.credentials())
                .addService(new HealthStatusManager().getHealthService())
                .build()
                .start();
        return server.getPort();
    }

    /** One health call over a fresh channel with {@code trust}; throws what the channel throws. */
    private static void call(String target, ServerTrust trust) {
        ManagedChannel channel = Grpc.newChannelBuilder(target, ClientTls.credentials(Optional.of(trust)))
                .build();
        try {
            HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void pinsOnFirstUseThenRefusesAnotherCertificateWithAdvice() throws Exception {
        // Names that do not include the address we connect to: a pin is about the certificate, not its names.
        ServerCertificate first = ServerCertificate.selfSigned(Set.of("elsewhere.invalid"), Clock.systemUTC());
        int port = serve(first);
        String target = "127.0.0.1:" + port;
        KnownServers pins = new KnownServers(dir.resolve("known_servers"));

        call(target, ServerTrust.pinning(target, pins));
        assertThat(pins.pinned(target)).contains(first.fingerprint());
        assertThat(Files.readString(dir.resolve("known_servers"))).isEqualTo(target + " " + first.fingerprint() + "\n");
        call(target, ServerTrust.pinning(target, pins)); // the same certificate again

        ServerCertificate second = ServerCertificate.selfSigned(Set.of("elsewhere.invalid"), Clock.systemUTC());
        int samePort = serveOn(second, port);
        ServerTrust trust = ServerTrust.pinning("127.0.0.1:" + samePort, pins);
        assertThatThrownBy(() -> call(target, trust)).isInstanceOf(StatusRuntimeException.class);
        assertThat(trust.changed())
                .hasValueSatisfying(c -> assertThat(c.advice())
                        .isEqualTo("The TLS certificate of " + target + " has changed (now SHA-256 "
                                + second.fingerprint()
                                + ", pinned " + first.fingerprint()
                                + "). Ask the server's operator for the fingerprint it"
                                + " printed at start; only if it is the new one, delete the line '" + target + "' from "
                                + dir.resolve("known_servers").toAbsolutePath() + " and connect again."));
        assertThat(pins.pinned(target)).contains(first.fingerprint()); // the pin is not replaced
    }

    private int serveOn(ServerCertificate certificate, int port) throws Exception {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server = Grpc.newServerBuilderForPort(port, certificate.credentials())
                .addService(new HealthStatusManager().getHealthService())
                .build()
                .start();
        return server.getPort();
    }

    @Test
    void aPrivateCaCertificateIsPinnedByItsLeafWhenTheClientHasNotBeenGivenTheCa() throws Exception {
        TestCa ca = new TestCa();
        Path cert = ca.issue("localhost", dir);
        ServerCertificate issued = ServerCertificate.load(cert, dir.resolve("localhost.key"));
        int port = serve(issued);
        // Not a CA of the JDK, and another name than the one connected to: pinned, and the pin is the leaf's.
        String target = "127.0.0.1:" + port;
        KnownServers pins = new KnownServers(dir.resolve("known_servers"));
        call(target, ServerTrust.pinning(target, pins));
        assertThat(pins.pinned(target)).contains(issued.fingerprint());
        assertThat(issued.fingerprint()).isEqualTo(Fingerprint.of(issued.leaf()));

        // A renewed leaf from the same CA is another certificate to a pin.
        Path renewed = ca.issue("localhost", Files.createDirectories(dir.resolve("renewed")));
        int samePort = serveOn(ServerCertificate.load(renewed, dir.resolve("renewed/localhost.key")), port);
        ServerTrust trust = ServerTrust.pinning("127.0.0.1:" + samePort, pins);
        assertThatThrownBy(() -> call(target, trust)).isInstanceOf(StatusRuntimeException.class);
        assertThat(trust.changed()).isPresent();
    }

    @Test
    void caModeChecksTheChainAndTheHostName() throws Exception {
        TestCa ca = new TestCa();
        Path caFile = ca.writeCertificate(dir.resolve("ca.crt"));
        Path cert = ca.issue("localhost", dir);
        int port = serve(ServerCertificate.load(cert, dir.resolve("localhost.key")));

        call("localhost:" + port, ServerTrust.authority("localhost:" + port, caFile));
        // Right chain, wrong name: the certificate is for localhost, not 127.0.0.1.
        assertThatThrownBy(() -> call("127.0.0.1:" + port, ServerTrust.authority("127.0.0.1:" + port, caFile)))
                .isInstanceOf(StatusRuntimeException.class);

        // A self-signed certificate is not from that CA, and in CA mode nothing is pinned instead.
        int selfSigned = serve(ServerCertificate.selfSigned(Set.of("localhost"), Clock.systemUTC()));
        ServerTrust trust = ServerTrust.authority("localhost:" + selfSigned, caFile);
        assertThatThrownBy(() -> call("localhost:" + selfSigned, trust)).isInstanceOf(StatusRuntimeException.class);
        assertThat(trust.changed()).isEmpty();
    }
}
