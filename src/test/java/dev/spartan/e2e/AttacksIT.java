package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.client.Login;
import dev.spartan.contract.ChatIds;
import dev.spartan.contract.RetryDelay;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupAnswer;
import dev.spartan.proto.Invitation;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyCountRequest;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.proto.UploadPreKeysRequest;
import dev.spartan.testing.Admin;
import dev.spartan.testing.Members;
import dev.spartan.testing.NonCanonicalKeys;
import dev.spartan.testing.Ports;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsChannels;
import dev.spartan.testing.WireSession;
import dev.spartan.tls.Fingerprint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of issue 28 against a real server, each made with raw gRPC calls as an attacker's own client would,
 * each refused with a status a person can act on while the attacked user's own action in the same test succeeds.
 * Tests that do not disturb each other share one server; an attack that spends a node-wide budget gets its own.
 */
class AttacksIT {
    @TempDir
    static Path dir;

    private static ServerProcess shared;

    @BeforeAll
    static void start() {
        shared = new ServerProcess(dir.resolve("shared"), ServerProcess.defaultConfig(), "--rate-limit", "1000/1");
    }

    @AfterAll
    static void stop() {
        shared.close();
    }

    private static void refused(Executable call, Status.Code code, String words) {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, call);
        assertThat(e.getStatus().getCode()).isEqualTo(code);
        assertThat(e.getStatus().getDescription()).contains(words);
    }

    /** A login whose keys the attacker shaped, signed correctly with {@code signer}'s identity key. */
    private static void loginPresenting(ServerProcess server, String user, Identity signer, PublicKeys keys) {
        ManagedChannel channel = TlsChannels.firstUse(server.port());
        try {
            AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
            byte[] nonce = auth.challenge(
                            ChallengeRequest.newBuilder().setUser(user).build())
                    .getNonce()
                    .toByteArray();
            byte[] binding =
                    Fingerprint.parse(server.fingerprint()).orElseThrow().bytes();
            auth.login(LoginRequest.newBuilder()
                    .setUser(user)
                    .setNonce(ByteString.copyFrom(nonce))
                    .setSignature(ByteString.copyFrom(LoginProof.sign(signer, user, nonce, binding)))
                    .setKeys(keys)
                    .build());
        } finally {
            channel.shutdownNow();
        }
    }

    /** Issue 28, item 4: every non-canonical Curve25519 encoding is refused, naming the key. */
    @Test
    void nonCanonicalKeysAreRefusedAsIdentityAndPreKeys() {
        Identity mallory = Identity.generate();
        PublicKeys real = Login.keys(mallory);
        refused(
                () -> loginPresenting(
                        shared,
                        "qux",
                        mallory,
                        real.toBuilder()
                                .setIdentityKey(ByteString.copyFrom(NonCanonicalKeys.withBit255(
                                        real.getIdentityKey().toByteArray())))
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "identity_key is not a canonical Curve25519 key (bit 255 is set)");
        try (WireSession baz = WireSession.login("baz", dir.resolve("keys/baz"), shared.port())) {
            for (byte[] key : NonCanonicalKeys.reviewed()) {
                refused(
                        () -> baz.stub()
                                .uploadPreKeys(UploadPreKeysRequest.newBuilder()
                                        .setRegistrationId(77)
                                        .addOneTimePreKeys(OneTimePreKey.newBuilder()
                                                .setId(7)
                                                .setPublicKey(ByteString.copyFrom(key)))
                                        .build()),
                        Status.Code.INVALID_ARGUMENT,
                        "one-time prekey 7 is not a canonical Curve25519 key");
            }
            baz.publishPreKeys(3); // the user's own, canonical keys go in
            assertThat(baz.stub()
                            .preKeyCount(PreKeyCountRequest.getDefaultInstance())
                            .getOneTimeCount())
                    .isEqualTo(3);
        }
        // qux's name is still free for qux: the refused login pinned nothing.
        WireSession.login("qux", dir.resolve("keys/qux"), shared.port()).close();
    }

    /**
     * Issue 28, item 3: a neighbour on the same address floods login challenges and holds sockets in their
     * handshake; a user who has logged in from there with their key still gets in.
     */
    @Test
    void aNeighboursFloodDoesNotLockOutAUserWithAValidKey() throws Throwable {
        String limits = """

                login_attempts_per_minute: 30
                login_attempts_per_user_per_minute: 5
                max_handshakes_per_address: 4
                """;
        try (ServerProcess server = new ServerProcess(dir.resolve("flood"), ServerProcess.defaultConfig() + limits)) {
            Path aliceKeys = dir.resolve("flood-keys/alice");
            WireSession.login("alice", aliceKeys, server.port()).close();

            ManagedChannel neighbour = TlsChannels.firstUse(server.port());
            try {
                AuthGrpc.AuthBlockingStub auth =
                        AuthGrpc.newBlockingStub(neighbour).withDeadlineAfter(60, TimeUnit.SECONDS);
                Executable bob = () -> auth.challenge(
                        ChallengeRequest.newBuilder().setUser("bob").build());
                for (int i = 0; i < 5; i++) {
                    bob.execute();
                }
                refused(
                        bob,
                        Status.Code.RESOURCE_EXHAUSTED,
                        "Too many login attempts for 'bob' from 127.0.0.1 (5" + " per 60s)");
                String[] names = {"charlie", "eve", "foo", "bar", "baz", "qux"};
                StatusRuntimeException spent = null;
                for (int i = 0; i < 40 && spent == null; i++) {
                    try {
                        auth.challenge(ChallengeRequest.newBuilder()
                                .setUser(names[i % names.length])
                                .build());
                    } catch (StatusRuntimeException e) {
                        spent = e;
                    }
                }
                assertThat(spent).as("the address's budget is spent").isNotNull();
                assertThat(spent.getStatus().getDescription())
                        .isEqualTo("Too many login attempts from 127.0.0.1 (30 per 60s)");
                assertThat(RetryDelay.of(spent)).isPresent();

                // Sockets held open in their handshake: the fifth from this address is closed at once.
                List<Socket> silent = new ArrayList<>();
                try {
                    for (int i = 0; i < 4; i++) {
                        silent.add(new Socket(InetAddress.getLoopbackAddress(), server.port()));
                    }
                    org.awaitility.Awaitility.await()
                            .atMost(java.time.Duration.ofSeconds(10))
                            .until(() -> {
                                try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                                    probe.setSoTimeout(3_000);
                                    return probe.getInputStream().read() == -1;
                                }
                            });
                } finally {
                    for (Socket s : silent) {
                        s.close();
                    }
                }

                // alice, who proved her key from this address, logs in while the neighbour's budget is spent.
                try (WireSession alice = WireSession.login("alice", aliceKeys, server.port())) {
                    assertThat(alice.loginResponse().getSessionToken()).isNotEmpty();
                }
            } finally {
                neighbour.shutdownNow();
            }
        }
    }

    /**
     * Issue 28, item 5: Redis loses its data and the operator begins a new store; a stranger on the server's host
     * tries to enroll as alice with keys of their own. Refused until the operator hands alice a code or reopens.
     */
    @Test
    void aStoreResetDoesNotReopenEveryName() throws Exception {
        int port = Ports.free();
        Path nodeDir = dir.resolve("reset");
        Path aliceKeys = dir.resolve("reset-keys/alice");
        try (RedisServerProcess redis = new RedisServerProcess()) {
            try (ServerProcess node =
                    new ServerProcess(nodeDir, ServerProcess.defaultConfig(), port, "--redis", redis.uri())) {
                WireSession.login("alice", aliceKeys, node.port()).close();
            }
            redis.restart(); // no AOF, no RDB: Redis comes back empty, alice's pin is gone
            try (ServerProcess node = new ServerProcess(
                    nodeDir, ServerProcess.defaultConfig(), port, "--redis", redis.uri(), "--new-store")) {
                Identity stranger = Identity.generate();
                refused(
                        () -> WireSession.login("alice", stranger, node.port()).close(),
                        Status.Code.PERMISSION_DENIED,
                        "the first login of 'alice' needs an enrollment code: this server's store was begun anew and"
                                + " its operator has not reopened enrollment; ask the operator (./spartan admin invite"
                                + " alice) and start the client with --invite CODE");

                // The operator re-issues alice's code; she comes back with her own keys.
                String code = Admin.run(node.dataDir(), "invite", "alice").code();
                ManagedChannel channel = TlsChannels.firstUse(node.port());
                try {
                    assertThat(Login.perform(channel, "alice", WireSession.identity(aliceKeys), code)
                                    .getSessionToken())
                            .isNotEmpty();
                } finally {
                    channel.shutdownNow();
                }
                refused(
                        () -> WireSession.login("bob", Identity.generate(), node.port())
                                .close(),
                        Status.Code.PERMISSION_DENIED,
                        "the first login of 'bob' needs an enrollment code");

                // Only the operator's explicit word reopens the configured rule (loopback).
                assertThat(Admin.run(node.dataDir(), "reopen-enrollment").out()).contains("Enrollment is open again");
                WireSession.login("bob", Identity.generate(), node.port()).close();
            }
        }
    }

    /**
     * Issue 28, item 2: a session token copied out of alice's client is refused on any other connection, while
     * alice's own connection goes on working with it.
     */
    @Test
    void aStolenTokenWorksOnlyOnTheConnectionItWasIssuedOn() {
        try (WireSession alice = WireSession.login("alice", dir.resolve("keys/alice"), shared.port())) {
            String stolen = alice.loginResponse().getSessionToken();
            ManagedChannel thief = TlsChannels.firstUse(shared.port());
            try {
                refused(
                        () -> SpartanGrpc.newBlockingStub(thief)
                                .withInterceptors(Login.bearer(stolen))
                                .withDeadlineAfter(20, TimeUnit.SECONDS)
                                .listUsers(ListUsersRequest.getDefaultInstance()),
                        Status.Code.UNAUTHENTICATED,
                        "this session token was issued on another connection, and a token works only on the"
                                + " connection its login was made on: log in again on this connection");
            } finally {
                thief.shutdownNow();
            }
            assertThat(alice.stub()
                            .listUsers(ListUsersRequest.getDefaultInstance())
                            .getUsersList())
                    .contains("bob");
        }
    }

    /**
     * Issue 28, item 1: a stranger's CreateGroup only invites bob, one group at a time, and never takes one of bob's
     * group places; the group of someone bob chats with takes him in at once.
     */
    @Test
    void aStrangerCannotFillAnotherUsersGroups() {
        try (WireSession mallory = WireSession.login("foo", dir.resolve("keys/foo"), shared.port());
                WireSession bob = WireSession.login("bob", dir.resolve("keys/bob"), shared.port());
                WireSession carol = WireSession.login("charlie", dir.resolve("keys/charlie"), shared.port())) {
            Group squat = mallory.createGroup("squat1", "bob");
            assertThat(squat.getInvitedList()).extracting(Invitation::getUser).containsExactly("bob");
            refused(
                    () -> mallory.createGroup("squat2", "bob"),
                    Status.Code.RESOURCE_EXHAUSTED,
                    "bob has not answered your invitation to 'squat1' yet: you can invite someone you have no"
                            + " accepted chat with to one group at a time");
            // The invitation reads nothing: a ciphertext for bob is refused, and bob cannot post to it.
            refused(
                    () -> mallory.send(mallory.message(ChatIds.toGroup("squat1"), "psst", "bob")),
                    Status.Code.FAILED_PRECONDITION,
                    "the members of squat1 changed: encrypt for no one");
            refused(
                    () -> bob.send(bob.message(ChatIds.toGroup("squat1"), "hi", "foo")),
                    Status.Code.PERMISSION_DENIED,
                    "you are invited to squat1 and have not joined it: join it first");

            carol.chatWith(bob);
            Group real = carol.createGroup("real", "bob");
            assertThat(real.getInvitedList()).isEmpty();
            assertThat(carol.send(carol.message(ChatIds.toGroup("real"), "standup at 10", "bob"))
                            .getChatSeq())
                    .isEqualTo(1);

            // bob declines with his own signed LEAVE; mallory may ask again, once.
            bob.stub()
                    .answerGroup(GroupAnswer.newBuilder()
                            .setName("squat1")
                            .setStatement(Members.leave(bob.identity().signalIdentity(), "bob", squat))
                            .build());
            assertThat(mallory.createGroup("squat2", "bob").getInvitedList()).hasSize(1);
            assertThat(bob.stub()
                            .listUsers(ListUsersRequest.getDefaultInstance())
                            .getGroupsList())
                    .extracting(Group::getName)
                    .containsExactly("group1", "real", "squat2");
        }
    }

    /** Also seen in issue 28: a status never hands the caller's own escape sequences back to its terminal. */
    @Test
    void aStatusQuotingTheCallerEscapesItsControlCharacters() {
        ManagedChannel channel = TlsChannels.firstUse(shared.port());
        try {
            StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    StatusRuntimeException.class,
                    () -> AuthGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(20, TimeUnit.SECONDS)
                            .challenge(ChallengeRequest.newBuilder()
                                    .setUser("ali\u001b[2J\u001b]0;owned\u0007")
                                    .build()));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription())
                    .startsWith("'ali\\x1b[2J\\x1b]0;owned\\x07' is not a user of this server")
                    .doesNotContain("\u001b", "\u0007");
        } finally {
            channel.shutdownNow();
        }
    }
}
