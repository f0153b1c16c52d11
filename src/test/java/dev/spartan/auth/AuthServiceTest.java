package dev.spartan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.chat.Directory;
import dev.spartan.chat.Refusal;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SecurityConfig;
import dev.spartan.config.SpartanConfig;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.ChallengeResponse;
import dev.spartan.proto.Group;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.PublicKeys;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.testing.MutableClock;
import dev.spartan.testing.NonCanonicalKeys;
import dev.spartan.testing.WireSession;
import dev.spartan.tls.ChannelBinding;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The login rules, called directly: challenges live 60 s on the test's clock and serve one login each. */
class AuthServiceTest {
    private static final int PORT = 4242;
    private static final String STALE = "the login challenge is unknown, used or expired: ask for a new one";

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final SessionTokens tokens = new SessionTokens(Duration.ofHours(12), clock);
    private final Identity alice = Identity.generate();
    private EmbeddedStore store;
    private AuthService auth;

    /** What a unary handler answered: it must answer exactly once and complete, or throw. */
    private static final class Answer<T> implements StreamObserver<T> {
        private T value;
        private boolean completed;

        @Override
        public void onNext(T v) {
            assertThat(value).as("one answer only").isNull();
            value = v;
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError("handlers throw; they do not call onError", t);
        }

        @Override
        public void onCompleted() {
            completed = true;
        }

        T get() {
            assertThat(completed).as("completed").isTrue();
            return value;
        }
    }

    @BeforeEach
    void setUp() {
        SpartanConfig config = ConfigLoader.load(Path.of("config.yaml"));
        store = EmbeddedStore.inMemory();
        auth = new AuthService(
                new Directory(config, store, clock),
                store,
                tokens,
                new Enrollment(SecurityConfig.DEFAULTS.withEnrollment(SecurityConfig.Enrollment.OPEN), store, clock),
                LoginGate.OPEN,
                10_000,
                PORT,
                256,
                clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private byte[] challenge(String user) {
        Answer<ChallengeResponse> answer = new Answer<>();
        auth.challenge(ChallengeRequest.newBuilder().setUser(user).build(), answer);
        return answer.get().getNonce().toByteArray();
    }

    private static LoginRequest signed(Identity signer, String user, byte[] nonce, PublicKeys keys) {
        return LoginRequest.newBuilder()
                .setUser(user)
                .setNonce(ByteString.copyFrom(nonce))
                .setSignature(ByteString.copyFrom(LoginProof.sign(signer, user, nonce, ChannelBinding.plaintext())))
                .setKeys(keys)
                .build();
    }

    private LoginResponse login(LoginRequest request) {
        Answer<LoginResponse> answer = new Answer<>();
        auth.login(request, answer);
        return answer.get();
    }

    private static void assertRefused(ThrowingCallable call, Refusal.Kind kind, String words) {
        assertThatThrownBy(call).isInstanceOfSatisfying(Refusal.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.getMessage()).contains(words);
        });
    }

    @Test
    void aSignedChallengeLogsInPinsTheKeysAndIssuesTheOneLiveToken() {
        byte[] nonce = challenge("alice");
        assertThat(nonce).hasSize(32);
        LoginResponse response = login(signed(alice, "alice", nonce, WireSession.wire(alice)));
        assertThat(tokens.userOf(response.getSessionToken())).contains("alice");
        assertThat(response.getUsersList()).contains("alice", "bob");
        assertThat(response.getGroupsList()).extracting(Group::getName).containsExactly("group1");
        assertThat(response.getPort()).isEqualTo(PORT);
        assertThat(store.keys("alice")).contains(WireSession.wire(alice));

        LoginResponse again = login(signed(alice, "alice", challenge("alice"), WireSession.wire(alice)));
        assertThat(tokens.userOf(again.getSessionToken())).contains("alice");
        assertThat(tokens.userOf(response.getSessionToken())).as("replaced").isEmpty();
    }

    @Test
    void aChallengeServesOneLogin() {
        byte[] nonce = challenge("alice");
        login(signed(alice, "alice", nonce, WireSession.wire(alice)));
        assertRefused(
                () -> login(signed(alice, "alice", nonce, WireSession.wire(alice))),
                Refusal.Kind.UNAUTHENTICATED,
                STALE);
    }

    @Test
    void aChallengeNeverIssuedIsRefused() {
        assertRefused(
                () -> login(signed(alice, "alice", new byte[32], WireSession.wire(alice))),
                Refusal.Kind.UNAUTHENTICATED,
                STALE);
    }

    @Test
    void aChallengeExpiresAfterSixtySeconds() {
        byte[] fresh = challenge("alice");
        clock.advance(Duration.ofSeconds(60).minusMillis(1));
        assertThat(login(signed(alice, "alice", fresh, WireSession.wire(alice))).getSessionToken())
                .as("valid until its 60th second")
                .isNotEmpty();

        byte[] stale = challenge("alice");
        clock.advance(Duration.ofSeconds(60).plusMillis(1));
        assertRefused(
                () -> login(signed(alice, "alice", stale, WireSession.wire(alice))),
                Refusal.Kind.UNAUTHENTICATED,
                STALE);
    }

    @Test
    void aChallengeIssuedToAnotherUserIsRefusedAndSpent() {
        Identity bob = Identity.generate();
        byte[] forBob = challenge("bob");
        assertRefused(
                () -> login(signed(alice, "alice", forBob, WireSession.wire(alice))),
                Refusal.Kind.UNAUTHENTICATED,
                STALE);
        assertRefused(
                () -> login(signed(bob, "bob", forBob, WireSession.wire(bob))), Refusal.Kind.UNAUTHENTICATED, STALE);
    }

    @Test
    void aSignatureThatDoesNotMatchThePresentedKeysIsRefused() {
        Identity mallory = Identity.generate();
        assertRefused(
                () -> login(signed(mallory, "alice", challenge("alice"), WireSession.wire(alice))),
                Refusal.Kind.UNAUTHENTICATED,
                "the signature over the login challenge is not valid for these keys");
        byte[] nonce = challenge("alice");
        LoginRequest otherUser = signed(alice, "bob", nonce, WireSession.wire(alice)).toBuilder()
                .setUser("alice")
                .build();
        assertRefused(
                () -> login(otherUser),
                Refusal.Kind.UNAUTHENTICATED,
                "the signature over the login challenge is not valid for these keys");
        assertThat(store.keys("alice")).isEmpty();
    }

    @Test
    void keysOtherThanThePinnedOnesAreRefusedNamingBoth() {
        login(signed(alice, "alice", challenge("alice"), WireSession.wire(alice)));
        Identity newDevice = Identity.generate();
        assertRefused(
                () -> login(signed(newDevice, "alice", challenge("alice"), WireSession.wire(newDevice))),
                Refusal.Kind.UNAUTHENTICATED,
                "the keys of 'alice' do not match the ones registered at first login (registered fingerprint ");
        assertThat(store.keys("alice")).contains(WireSession.wire(alice));
    }

    @Test
    void aLoginThatDiffersOnlyInItsIdentityKeySaysSoBesideTwoEqualFingerprints() {
        login(signed(alice, "alice", challenge("alice"), WireSession.wire(alice)));
        Identity other = Identity.generate();
        PublicKeys otherIdentity = WireSession.wire(alice).toBuilder()
                .setIdentityKey(WireSession.wire(other).getIdentityKey())
                .build();
        assertRefused(
                () -> login(signed(other, "alice", challenge("alice"), otherIdentity)),
                Refusal.Kind.UNAUTHENTICATED,
                "the keys of 'alice' do not match the ones registered at first login (registered fingerprint ");
        assertThatThrownBy(() -> login(signed(other, "alice", challenge("alice"), otherIdentity)))
                .hasMessageContaining(" with another identity_key): use the original key directory");
    }

    @Test
    void keysOfTheWrongSizeAreInvalid() {
        PublicKeys shortKeys = WireSession.wire(alice).toBuilder()
                .setAgreementKey(ByteString.copyFrom(new byte[31]))
                .build();
        assertRefused(
                () -> login(signed(alice, "alice", challenge("alice"), shortKeys)),
                Refusal.Kind.INVALID,
                "agreement_key must be the raw 32-byte X25519 public key, not 31 bytes");
    }

    @Test
    void keysWithoutASignalIdentityKeyAreInvalid() {
        PublicKeys oldClient =
                WireSession.wire(alice).toBuilder().clearIdentityKey().build();
        assertRefused(
                () -> login(signed(alice, "alice", challenge("alice"), oldClient)),
                Refusal.Kind.INVALID,
                "the keys carry no Signal identity key (identity_key)");
        assertThat(store.keys("alice")).isEmpty();
    }

    @Test
    void aLowOrderIdentityKeyIsRefusedAtEnrollment() {
        byte[] zero = new byte[33];
        zero[0] = 5;
        PublicKeys lowOrder = WireSession.wire(alice).toBuilder()
                .setIdentityKey(ByteString.copyFrom(zero))
                .build();
        assertRefused(
                () -> login(signed(alice, "alice", challenge("alice"), lowOrder)),
                Refusal.Kind.INVALID,
                "identity_key is a low-order point");
        assertThat(store.keys("alice")).isEmpty();
    }

    @Test
    void aNonCanonicalIdentityKeyIsInvalidNotUnauthenticated() {
        PublicKeys highBit = WireSession.wire(alice).toBuilder()
                .setIdentityKey(ByteString.copyFrom(NonCanonicalKeys.withBit255(
                        WireSession.wire(alice).getIdentityKey().toByteArray())))
                .build();
        assertRefused(
                () -> login(signed(alice, "alice", challenge("alice"), highBit)),
                Refusal.Kind.INVALID,
                "identity_key is not a canonical Curve25519 key (bit 255 is set)");
        PublicKeys aboveP = WireSession.wire(alice).toBuilder()
                .setIdentityKey(ByteString.copyFrom(NonCanonicalKeys.basePointPlusP()))
                .build();
        assertRefused(
                () -> login(signed(alice, "alice", challenge("alice"), aboveP)),
                Refusal.Kind.INVALID,
                "identity_key is not a canonical Curve25519 key (its u-coordinate is not below 2^255 - 19)");
        assertThat(store.keys("alice")).isEmpty();
    }

    @Test
    void aLowOrderAgreementKeyIsRefusedAtEnrollment() {
        PublicKeys lowOrder = WireSession.wire(alice).toBuilder()
                .setAgreementKey(ByteString.copyFrom(new byte[32]))
                .build();
        assertRefused(
                () -> login(signed(alice, "alice", challenge("alice"), lowOrder)),
                Refusal.Kind.INVALID,
                "agreement_key is a low-order point");
        assertThat(store.keys("alice")).isEmpty();
    }

    @Test
    void aUserPinnedInTheOldFormatIsToldToAskForAReset() {
        store.pinKeys(
                "alice", WireSession.wire(alice).toBuilder().clearIdentityKey().build());
        assertRefused(
                () -> login(signed(alice, "alice", challenge("alice"), WireSession.wire(alice))),
                Refusal.Kind.PRECONDITION,
                "'alice' enrolled before the Signal layer, with keys of the old format: ask the server's operator to"
                        + " reset the user (./spartan admin reset alice) and log in again with the code it prints"
                        + " (--invite CODE)");
    }

    @Test
    void anUnknownUserGetsNoChallengeAndNoLogin() {
        assertRefused(
                () -> challenge("zed"),
                Refusal.Kind.NOT_FOUND,
                "'zed' is not a user of this server (see users in config.yaml)");
        assertRefused(() -> challenge(""), Refusal.Kind.INVALID, "a user name is required");
        byte[] nonce = challenge("alice");
        assertRefused(
                () -> login(signed(alice, "zed", nonce, WireSession.wire(alice))),
                Refusal.Kind.NOT_FOUND,
                "'zed' is not a user of this server");
    }
}
