package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.Main;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.RecordingProxy;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.TlsRelay;
import dev.spartan.testing.WireSession;
import dev.spartan.tls.Fingerprint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What an on-path attacker sees and can do: TLS by default, pinned certificates, logins bound to the connection. The
 * nodes run in the test's JVM, wired as {@code spartan server} (and {@code --plaintext} for the control) wires its
 * client port.
 */
class TransportSecurityIT {
    @TempDir
    Path dir;

    private static boolean contains(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + n.length <= haystack.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Client to server bytes as TLS records: all of them parse, and after the handshake all are application data. */
    private static void assertOnlyTlsRecords(byte[] stream) {
        int i = 0;
        int records = 0;
        while (i + 5 <= stream.length) {
            int type = stream[i] & 0xff;
            assertThat(type).as("TLS record type at byte " + i).isIn(20, 21, 22, 23);
            assertThat(stream[i + 1]).as("TLS major version at byte " + i).isEqualTo((byte) 3);
            i += 5 + (((stream[i + 3] & 0xff) << 8) | (stream[i + 4] & 0xff));
            records++;
        }
        assertThat(records).isGreaterThan(3);
    }

    @Test
    void aCaptureOfTheWireHoldsNoTokenHeaderNameOrText() throws Exception {
        try (TlsNode server = new TlsNode(dir.resolve("s"), ServerProcess.defaultConfig());
                RecordingProxy capture = new RecordingProxy(server.port())) {
            Path keys = dir.resolve("keys");
            String token;
            try (WireSession charlie = WireSession.login("charlie", keys.resolve("charlie"), capture.port())) {
                token = charlie.loginResponse().getSessionToken();
                assertThat(charlie.stub()
                                .listUsers(ListUsersRequest.getDefaultInstance())
                                .getUsersList())
                        .contains("alice");
            }
            try (ClientProcess alice = new ClientProcess("alice", keys, capture.port());
                    ClientProcess bob = new ClientProcess("bob", keys, capture.port())) {
                Chats.open(alice, bob);
                alice.type("meet me at the usual place");
                bob.awaitLine("[alice] meet me at the usual place");
            }
            byte[] wire = capture.captured();
            assertThat(wire.length).isGreaterThan(5000);
            for (String secret :
                    List.of(token, "Bearer", "authorization", "charlie", "meet me", "PRI * HTTP/2.0", "spartan.v1")) {
                assertThat(contains(wire, secret))
                        .as("the capture holds '" + secret + "'")
                        .isFalse();
            }
            assertOnlyTlsRecords(capture.clientToServer());
        }

        // The control: the same capture of a plaintext server does see the HTTP/2 preface and the user name.
        try (TlsNode plain = TlsNode.plaintext(dir.resolve("plain"), ServerProcess.defaultConfig());
                RecordingProxy capture = new RecordingProxy(plain.port());
                ClientProcess charlie =
                        new ClientProcess("charlie", dir.resolve("plain-keys"), capture.port(), "--plaintext")) {
            charlie.out().awaitRaw(ENTER_USER);
            assertThat(contains(capture.captured(), "PRI * HTTP/2.0")).isTrue();
            assertThat(contains(capture.captured(), "charlie")).isTrue();
        }
    }

    @Test
    void aChangedServerCertificateIsRefusedWithOneLineUntilRePinnedOrRotatedWithAStatement() throws Exception {
        Path keys = dir.resolve("keys");
        TlsNode first = new TlsNode(dir.resolve("first"), ServerProcess.defaultConfig());
        int port = first.port();
        String pinned = first.fingerprint();
        try (ClientProcess alice = new ClientProcess("alice", keys, port)) {
            alice.out().awaitRaw(ENTER_USER);
            assertThat(alice.quit()).isZero();
        } finally {
            first.close();
        }
        Path knownServers = keys.resolve("known_servers");
        assertThat(Files.readString(knownServers)).isEqualTo("localhost:" + port + " " + pinned + "\n");

        // Another server on the same address: a new certificate, as an attacker in between would present.
        try (TlsNode other = new TlsNode(dir.resolve("other"), ServerProcess.defaultConfig(), port)) {
            try (ClientProcess alice = new ClientProcess("alice", keys, port)) {
                assertThat(alice.awaitExit()).isEqualTo(1);
                assertThat(alice.out().lines())
                        .containsExactly("[Spartan] The TLS certificate of localhost:" + port
                                + " has changed (now SHA-256 " + other.fingerprint() + ", pinned " + pinned
                                + "). Ask the server's operator for the fingerprint it printed at start; only if it"
                                + " is the new one, delete the line 'localhost:" + port + "' from "
                                + knownServers.toAbsolutePath() + " and connect again.");
            }
            // The operator confirms the new fingerprint: the user deletes the line and connects again.
            Files.writeString(knownServers, "");
            try (ClientProcess alice = new ClientProcess("alice", keys, port)) {
                alice.out().awaitRaw(ENTER_USER);
                assertThat(alice.quit()).isZero();
            }
            assertThat(Files.readString(knownServers)).contains(other.fingerprint());

            // The operator rotates the certificate and restarts: alice re-pins by its statement, says so, and chats.
            String before = other.fingerprint();
            other.close();
            assertThat(new CommandLine(new Main())
                            .execute(
                                    "admin",
                                    "rotate-cert",
                                    "--data",
                                    other.dataDir().toString()))
                    .isZero();
            try (TlsNode rotated = new TlsNode(dir.resolve("other"), ServerProcess.defaultConfig(), port)) {
                assertThat(rotated.fingerprint()).isNotEqualTo(before);
                try (ClientProcess alice = new ClientProcess("alice", keys, port)) {
                    alice.awaitLine("[Spartan] The server's operator rotated the TLS certificate of localhost:"
                            + port + " (SHA-256 " + before + " -> " + rotated.fingerprint() + "); its rotation"
                            + " statement is signed by the pinned certificate's key, so the new certificate is pinned"
                            + " now.");
                    try (ClientProcess bob = new ClientProcess("bob", keys, port)) { // bob shares the re-pinned file
                        Chats.open(alice, bob);
                        alice.type("after the rotation");
                        bob.awaitLine("[alice] after the rotation");
                    }
                }
                assertThat(Files.readString(knownServers))
                        .isEqualTo("localhost:" + port + " " + rotated.fingerprint() + "\n");
            }
        }
    }

    @Test
    void aLoginRelayedThroughAnotherTlsEndpointIsRefused() throws Exception {
        try (TlsNode server = new TlsNode(dir.resolve("s"), ServerProcess.defaultConfig());
                TlsRelay relay = new TlsRelay(server.port());
                ClientProcess alice = new ClientProcess("alice", dir.resolve("keys"), relay.port())) {
            assertThat(alice.awaitExit()).isEqualTo(1);
            assertThat(alice.out().lines())
                    .containsExactly("[Spartan] Login refused: the signature over the login challenge is not valid"
                            + " for these keys on this connection (it must cover this server's TLS certificate: a"
                            + " login relayed through another TLS endpoint is refused)");
            // The client did talk TLS with the relay (and pinned the relay's certificate), and the relay did reach
            // the server: the refusal is the server's answer to the relayed login.
            Fingerprint relayed = relay.certificate().fingerprint();
            assertThat(Files.readString(dir.resolve("keys").resolve("known_servers")))
                    .isEqualTo("localhost:" + relay.port() + " " + relayed + "\n");
            assertThat(relayed.toString()).isNotEqualTo(server.fingerprint());
        }
    }
}
