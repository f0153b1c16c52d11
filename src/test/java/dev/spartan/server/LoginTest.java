package dev.spartan.server;

import static dev.spartan.server.StatusMappingTest.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.client.Login;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.Group;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.testing.WireSession;
import dev.spartan.tls.ChannelBinding;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Challenge-response login through the Auth service of an in-process node, as a client performs it. */
class LoginTest {
    private SpartanConfig config;
    private InProcessNode node;

    @BeforeEach
    void start() throws Exception {
        config = ConfigLoader.load(Path.of("config.yaml"));
        node = new InProcessNode(config);
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
    }

    private byte[] challenge(String user) {
        return node.auth()
                .challenge(ChallengeRequest.newBuilder().setUser(user).build())
                .getNonce()
                .toByteArray();
    }

    private LoginRequest.Builder signedBy(Identity identity, String user, byte[] nonce) {
        return LoginRequest.newBuilder()
                .setUser(user)
                .setNonce(ByteString.copyFrom(nonce))
                .setSignature(ByteString.copyFrom(LoginProof.sign(identity, user, nonce, ChannelBinding.plaintext())))
                .setKeys(WireSession.wire(identity));
    }

    @Test
    void aLoginAnswersATokenTheUsersTheCallersGroupsAndThePort() {
        Identity alice = node.identity("alice");
        LoginResponse login = Login.perform(node.channel(), "alice", alice);
        assertThat(login.getSessionToken()).isNotEmpty();
        assertThat(login.getUsersList()).containsExactlyElementsOf(config.users());
        assertThat(login.getGroupsList()).extracting(Group::getName).containsExactly("group1");
        assertThat(login.getPort()).isEqualTo(config.port());
        assertThat(node.anonymous()
                        .withInterceptors(Login.bearer(login.getSessionToken()))
                        .listUsers(ListUsersRequest.getDefaultInstance())
                        .getGroupsList())
                .extracting(Group::getName)
                .containsExactly("group1");
    }

    @Test
    void aChallengeIsGoodForOneLogin() {
        Identity alice = node.identity("alice");
        byte[] nonce = challenge("alice");
        assertThat(node.auth().login(signedBy(alice, "alice", nonce).build()).getSessionToken())
                .isNotEmpty();
        assertStatus(
                () -> node.auth().login(signedBy(alice, "alice", nonce).build()),
                Status.Code.UNAUTHENTICATED,
                "the login challenge is unknown, used or expired: ask for a new one");
    }

    @Test
    void theFirstLoginPinsTheKeysAndOtherKeysAreRefusedWithBoth() {
        Login.perform(node.channel(), "alice", node.identity("alice"));
        Identity impostor = Identity.generate();
        assertStatus(
                () -> Login.perform(node.channel(), "alice", impostor),
                Status.Code.UNAUTHENTICATED,
                "the keys of 'alice' do not match the ones registered at first login");
        assertThat(Login.perform(node.channel(), "alice", node.identity("alice"))
                        .getSessionToken())
                .isNotEmpty();
    }

    @Test
    void aSignatureByAnotherKeyIsRefused() {
        byte[] nonce = challenge("bob");
        LoginRequest forged = signedBy(Identity.generate(), "bob", nonce)
                .setKeys(WireSession.wire(node.identity("bob")))
                .build();
        assertStatus(
                () -> node.auth().login(forged),
                Status.Code.UNAUTHENTICATED,
                "the signature over the login challenge is not valid for these keys");
    }

    private static void assertExactStatus(ThrowingCallable call, Status.Code code, String description) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).isEqualTo(description);
        });
    }

    @Test
    void keysWithoutTheStaticPairAreRefusedNamingTheMissingFieldAndUseUpTheChallenge() {
        Identity alice = node.identity("alice");
        byte[] nonce = challenge("alice");
        LoginRequest noSigningKey = signedBy(alice, "alice", nonce)
                .setKeys(WireSession.wire(alice).toBuilder().clearSigningKey())
                .build();
        assertExactStatus(
                () -> node.auth().login(noSigningKey),
                Status.Code.INVALID_ARGUMENT,
                "the keys carry no signing_key: a login presents signing_key, agreement_key and identity_key"
                        + " (PROTOCOL.md, Keys)");
        // The refused login used the challenge up: the same nonce with complete keys is stale.
        assertStatus(
                () -> node.auth().login(signedBy(alice, "alice", nonce).build()),
                Status.Code.UNAUTHENTICATED,
                "the login challenge is unknown, used or expired: ask for a new one");

        byte[] next = challenge("alice");
        LoginRequest noAgreementKey = signedBy(alice, "alice", next)
                .setKeys(WireSession.wire(alice).toBuilder().clearAgreementKey())
                .build();
        assertExactStatus(
                () -> node.auth().login(noAgreementKey),
                Status.Code.INVALID_ARGUMENT,
                "the keys carry no agreement_key: a login presents signing_key, agreement_key and identity_key"
                        + " (PROTOCOL.md, Keys)");
        assertThat(node.store().store().keys("alice")).isEmpty(); // nothing was pinned
        assertThat(node.auth()
                        .login(signedBy(alice, "alice", challenge("alice")).build())
                        .getSessionToken())
                .isNotEmpty();
    }

    @Test
    void anUnknownOrMissingUserIsRefusedAtTheChallenge() {
        assertStatus(
                () -> challenge("zed"),
                Status.Code.NOT_FOUND,
                "'zed' is not a user of this server (see users in config.yaml)");
        assertStatus(() -> challenge(""), Status.Code.INVALID_ARGUMENT, "a user name is required");
    }
}
