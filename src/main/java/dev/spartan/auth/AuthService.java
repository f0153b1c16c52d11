package dev.spartan.auth;

import com.google.protobuf.ByteString;
import dev.spartan.chat.Directory;
import dev.spartan.chat.Refusal;
import dev.spartan.crypto.LoginProof;
import dev.spartan.crypto.PublicIdentity;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.ChallengeResponse;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.PublicKeys;
import dev.spartan.store.MessageStore;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Challenge-response login. The server sends a random nonce, the client signs it with its Ed25519 identity key.
 * A user's first login pins their public keys (trust on first use); every later login must present the same keys.
 */
public final class AuthService extends AuthGrpc.AuthImplBase {
    private static final Logger log = LoggerFactory.getLogger(AuthService.class);
    private static final long CHALLENGE_TTL_MILLIS = 60_000;
    private static final int MAX_OPEN_CHALLENGES = 10_000;

    private record Challenge(String user, long expiresAt) {}

    private final Directory directory;
    private final MessageStore store;
    private final SessionTokens tokens;
    private final int port;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Challenge> open = new ConcurrentHashMap<>();

    public AuthService(Directory directory, MessageStore store, SessionTokens tokens, int port, Clock clock) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.port = port;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void challenge(ChallengeRequest request, StreamObserver<ChallengeResponse> response) {
        requireKnown(request.getUser());
        long now = clock.millis();
        if (open.size() >= MAX_OPEN_CHALLENGES) {
            open.values().removeIf(c -> c.expiresAt() < now);
        }
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        open.put(
                Base64.getEncoder().encodeToString(nonce),
                new Challenge(request.getUser(), now + CHALLENGE_TTL_MILLIS));
        response.onNext(ChallengeResponse.newBuilder()
                .setNonce(ByteString.copyFrom(nonce))
                .build());
        response.onCompleted();
    }

    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
        String user = request.getUser();
        requireKnown(user);
        Challenge challenge = open.remove(
                Base64.getEncoder().encodeToString(request.getNonce().toByteArray()));
        if (challenge == null || !challenge.user().equals(user) || challenge.expiresAt() < clock.millis()) {
            throw Refusal.unauthenticated("the login challenge is unknown, used or expired: ask for a new one");
        }
        PublicKeys keys = request.getKeys();
        if (keys.getSigningKey().size() != 32 || keys.getAgreementKey().size() != 32) {
            throw Refusal.invalid("public keys must be 32 raw bytes each (Ed25519 and X25519)");
        }
        byte[] signingKey = keys.getSigningKey().toByteArray();
        if (!LoginProof.verify(
                signingKey,
                user,
                request.getNonce().toByteArray(),
                request.getSignature().toByteArray())) {
            throw Refusal.unauthenticated("the signature over the login challenge is not valid for these keys");
        }
        PublicKeys pinned = directory.keys().pin(user, keys);
        if (!pinned.equals(keys)) {
            log.warn("refused login of {}: keys differ from the ones pinned at first login", user);
            throw Refusal.unauthenticated("the keys of '" + user + "' do not match the ones registered at first login"
                    + " (registered fingerprint " + fingerprint(pinned) + ", presented " + fingerprint(keys)
                    + "): use the original key directory");
        }
        response.onNext(LoginResponse.newBuilder()
                .setSessionToken(tokens.issue(user))
                .addAllUsers(directory.users())
                .addAllGroups(directory.groupsOf(user))
                .setPort(port)
                .build());
        response.onCompleted();
    }

    private void requireKnown(String user) {
        if (user.isEmpty()) {
            throw Refusal.invalid("a user name is required");
        }
        if (!directory.isUser(user)) {
            throw Refusal.notFound("'" + user + "' is not a user of this server (see users in config.yaml)");
        }
    }

    /** The fingerprint PROTOCOL.md defines, which the client shows too. */
    private static String fingerprint(PublicKeys keys) {
        return new PublicIdentity(
                        keys.getSigningKey().toByteArray(),
                        keys.getAgreementKey().toByteArray())
                .fingerprint();
    }
}
