package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.proto.admin.AdminGrpc;
import dev.spartan.proto.admin.InviteRequest;
import dev.spartan.server.admin.AdminAccess;
import dev.spartan.testing.Admin;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsChannels;
import dev.spartan.testing.TlsNode;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nobody can squat a user: a first login from a non-local address needs the operator's one-time code, and the
 * operator can reset a user whose keys were taken. The operator's channel is a port on 127.0.0.1 with a token only
 * the data directory's owner can read. The node runs in the test's JVM, wired as {@code spartan server} wires it
 * (client port, admin port, store); the clients and {@code spartan admin} are processes, as the users and the operator
 * run them.
 */
class EnrollmentIT {
    /** 127.0.0.1, where the test's clients come from, is not in the networks that may enroll without a code. */
    private static final String REMOTE_CLIENTS =
            ServerProcess.defaultConfig() + "\nenrollment_networks: [\"::1/128\"]\n";

    @TempDir
    Path dir;

    @Test
    void aFirstLoginFromElsewhereNeedsACodeThatWorksOnceAndAResetHandsTheUserBack() throws Exception {
        try (TlsNode server = new TlsNode(dir.resolve("s"), REMOTE_CLIENTS)) {
            Path keys = dir.resolve("keys");
            try (ClientProcess squatter = new ClientProcess("alice", dir.resolve("squatter"), server.port())) {
                assertThat(squatter.awaitExit()).isEqualTo(1);
                assertThat(squatter.out().lines())
                        .containsExactly("[Spartan] Login refused: the first login of 'alice' needs an enrollment"
                                + " code from this address: ask the server's operator (./spartan admin invite alice)"
                                + " and start the client with --invite CODE");
            }

            Admin.Run invite = Admin.run(server.dataDir(), "invite", "alice");
            assertThat(invite.exit()).isZero();
            String code = invite.code();
            assertThat(invite.out()).contains("On alice's machine: ./spartan client alice --invite " + code);
            try (ClientProcess alice = new ClientProcess("alice", keys, server.port(), "--invite", code)) {
                alice.out().awaitRaw(ENTER_USER);
                Admin.Run sessions = Admin.run(server.dataDir(), "sessions");
                assertThat(sessions.out())
                        .containsPattern("\nalice +localhost:" + server.port() + " +127.0.0.1 .* open\n");
                assertThat(alice.quit()).isZero();
            }
            // Used up: the code does not enroll anyone else, and alice needs no code any more.
            try (ClientProcess thief =
                    new ClientProcess("alice", dir.resolve("thief"), server.port(), "--invite", code)) {
                assertThat(thief.awaitExit()).isEqualTo(1);
                assertThat(thief.out().lines())
                        .singleElement()
                        .asString()
                        .startsWith("[Spartan] Login refused: the keys of 'alice' do not match");
            }
            Admin.Run users = Admin.run(server.dataDir(), "users");
            assertThat(users.out())
                    .containsPattern(
                            "\nalice +[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} +\\d{4}-\\d\\d-\\d\\d .* -\n")
                    .containsPattern("\nbob +\\(not enrolled\\) +- +-\n");
            assertThat(Admin.run(server.dataDir(), "invite", "alice").err())
                    .startsWith("spartan admin: alice is already enrolled (key fingerprint ");

            // alice's keys are compromised: the operator resets her while she is connected.
            try (ClientProcess alice = new ClientProcess("alice", keys, server.port())) {
                alice.out().awaitRaw(ENTER_USER);
                Admin.Run reset = Admin.run(server.dataDir(), "reset", "alice");
                assertThat(reset.out()).startsWith("Reset alice: their keys are forgotten and their sessions closed.");
                alice.awaitLine("[Spartan] the operator reset the keys of alice; this session is closed");
                assertThat(alice.awaitExit()).isEqualTo(2);
                String fresh = reset.code();

                // The old keys without a code cannot take the name back, even from a local address.
                try (ClientProcess old = new ClientProcess("alice", keys, server.port())) {
                    assertThat(old.awaitExit()).isEqualTo(1);
                    assertThat(old.out().lines())
                            .containsExactly("[Spartan] Login refused: 'alice' is reserved for the holder of an"
                                    + " enrollment code: start the client with --invite CODE");
                }
                try (ClientProcess renewed =
                        new ClientProcess("alice", dir.resolve("new-keys"), server.port(), "--invite", fresh)) {
                    renewed.out().awaitRaw(ENTER_USER);
                    assertThat(renewed.quit()).isZero();
                }
            }
        }
    }

    @Test
    void inviteModeNeedsACodeEvenFromLoopbackAndTheAdminPortNeedsTheToken() throws Exception {
        try (TlsNode server = new TlsNode(dir.resolve("s"), ServerProcess.defaultConfig() + "\nenrollment: invite\n")) {
            try (ClientProcess bob = new ClientProcess("bob", dir.resolve("keys"), server.port())) {
                assertThat(bob.awaitExit()).isEqualTo(1);
                assertThat(bob.out().lines())
                        .singleElement()
                        .asString()
                        .startsWith("[Spartan] Login refused: the first login of 'bob' needs an enrollment code:");
            }

            Path access = server.dataDir().resolve(AdminAccess.FILE);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(access)))
                    .isEqualTo("rw-------");
            AdminAccess real = AdminAccess.read(server.dataDir());
            ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                            "127.0.0.1", real.port(), InsecureChannelCredentials.create())
                    .build();
            try {
                Metadata wrong = new Metadata();
                wrong.put(AdminAccess.HEADER, real.token().substring(1) + "x");
                try {
                    AdminGrpc.newBlockingStub(channel)
                            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong))
                            .withDeadlineAfter(20, TimeUnit.SECONDS)
                            .invite(InviteRequest.newBuilder().setUser("bob").build());
                    throw new AssertionError("an admin call with a wrong token was served");
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                }
            } finally {
                channel.shutdownNow();
            }
            // The client port does not serve the admin service at all, whatever the caller holds.
            ManagedChannel clientPort = TlsChannels.firstUse(server.port());
            try {
                Metadata right = new Metadata();
                right.put(AdminAccess.HEADER, real.token());
                AdminGrpc.newBlockingStub(clientPort)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(right))
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .invite(InviteRequest.newBuilder().setUser("bob").build());
                throw new AssertionError("the client port served an admin call");
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
            } finally {
                clientPort.shutdownNow();
            }
            assertThat(Admin.run(server.dataDir(), "invite", "zed").err())
                    .isEqualTo("spartan admin: 'zed' is not a user of this server (see users in config.yaml)");
            assertThat(Admin.run(dir.resolve("nowhere"), "users").err())
                    .isEqualTo("spartan admin: no running node uses " + dir.resolve("nowhere") + " ("
                            + dir.resolve("nowhere").resolve(AdminAccess.FILE)
                            + " is missing): start the server, or give its --data directory");

            String code = Admin.run(server.dataDir(), "invite", "bob").code();
            try (ClientProcess bob = new ClientProcess("bob", dir.resolve("keys"), server.port(), "--invite", code)) {
                bob.out().awaitRaw(ENTER_USER);
                assertThat(bob.quit()).isZero();
            }
        }
    }
}
