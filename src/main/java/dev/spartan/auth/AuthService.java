package dev.spartan.auth;

import com.google.protobuf.ByteString;
import dev.spartan.chat.DeviceAddresses;
import dev.spartan.chat.Directory;
import dev.spartan.chat.Refusal;
import dev.spartan.contract.Addresses;
import dev.spartan.crypto.LoginProof;
import dev.spartan.crypto.PublicIdentity;
import dev.spartan.crypto.SignalKeys;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.ChallengeResponse;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.LogoutRequest;
import dev.spartan.proto.LogoutResponse;
import dev.spartan.proto.PublicKeys;
import dev.spartan.store.Device;
import dev.spartan.store.MessageStore;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Challenge-response login. The server sends a random nonce, the client signs it, together with the certificate of
 * the TLS connection it sees, with its libsignal identity key (XEdDSA). A user's first login pins their public keys (trust on
 * first use) if {@link Enrollment} admits it; every later login must present the same keys.
 */
public final class AuthService extends AuthGrpc.AuthImplBase {
    private static final Logger log = LoggerFactory.getLogger(AuthService.class);
    private static final Duration CHALLENGE_TTL = Duration.ofSeconds(60);

    /** The methods that need no session token. */
    public static final Set<String> OPEN_METHODS = Set.of(
            AuthGrpc.getChallengeMethod().getFullMethodName(),
            AuthGrpc.getLoginMethod().getFullMethodName());

    private final Directory directory;
    private final MessageStore store;
    private final SessionTokens tokens;
    private final Enrollment enrollment;
    private final LoginChallenges challenges;
    private final LoginGate throttle;
    private final int port;
    private final int sendWindow;
    private final Clock clock;
    private final DeviceAddresses devices;

    public AuthService(
            Directory directory,
            MessageStore store,
            SessionTokens tokens,
            Enrollment enrollment,
            LoginGate throttle,
            int maxOpenChallenges,
            int port,
            int sendWindow,
            Clock clock) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.enrollment = Objects.requireNonNull(enrollment, "enrollment");
        this.challenges = new LoginChallenges(maxOpenChallenges, CHALLENGE_TTL, clock);
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.port = port;
        this.sendWindow = sendWindow;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.devices = new DeviceAddresses(store);
    }

    @Override
    public void challenge(ChallengeRequest request, StreamObserver<ChallengeResponse> response) {
        requireKnown(request.getUser());
        throttle.admit(Caller.current(), Addresses.userOf(request.getUser()));
        response.onNext(ChallengeResponse.newBuilder()
                .setNonce(ByteString.copyFrom(challenges.issue(request.getUser())))
                .build());
        response.onCompleted();
    }

    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
        String address = request.getUser();
        requireKnown(address);
        if (Addresses.deviceOf(address) > 1) {
            linkedLogin(request, response);
            return;
        }
        String user = address;
        if (!challenges.take(user, request.getNonce().toByteArray())) {
            throw Refusal.unauthenticated("the login challenge is unknown, used or expired: ask for a new one");
        }
        PublicKeys keys = request.getKeys();
        requireRawKey(keys.getSigningKey(), "signing_key", "Ed25519");
        requireRawKey(keys.getAgreementKey(), "agreement_key", "X25519");
        if (keys.getIdentityKey().isEmpty()) {
            throw Refusal.invalid("the keys carry no Signal identity key (identity_key): this server speaks the"
                    + " Signal layer, upgrade the client");
        }
        try {
            SignalKeys.identityKey(keys.getIdentityKey().toByteArray(), "identity_key");
            // Every sender agrees a secret with it: a low-order key would stall their sends and leak nothing to
            // its owner, so it never gets pinned.
            SignalKeys.requireUsableX25519(keys.getAgreementKey().toByteArray(), "agreement_key");
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid(e.getMessage());
        }
        Caller caller = Caller.current();
        if (!LoginProof.verify(
                keys.getIdentityKey().toByteArray(),
                user,
                request.getNonce().toByteArray(),
                caller.binding(),
                request.getSignature().toByteArray())) {
            log.warn("refused login of {} from {}: bad signature or channel binding", user, caller.addressText());
            throw Refusal.unauthenticated("the signature over the login challenge is not valid for these keys on"
                    + " this connection (it must cover this server's TLS certificate: a login relayed through"
                    + " another TLS endpoint is refused)");
        }
        PublicKeys pinned = pinned(user, keys, caller, request.getInviteCode());
        if (pinned.equals(keys)) {
            throttle.proved(caller, user);
        }
        if (pinned.getIdentityKey().isEmpty()) {
            throw Refusal.precondition("'" + user + "' enrolled before the Signal layer, with keys of the old format:"
                    + " ask the server's operator to reset the user (./spartan admin reset " + user
                    + ") and log in again with the code it prints (--invite CODE)");
        }
        if (!pinned.equals(keys)) {
            // The fingerprint covers the signing and agreement keys; a login that differs only in its identity key
            // would show two equal fingerprints, so it says which key differs.
            String registered = fingerprint(pinned);
            String presented = fingerprint(keys);
            throw Refusal.unauthenticated("the keys of '" + user + "' do not match the ones registered at first login"
                    + " (registered fingerprint " + registered + ", presented " + presented
                    + (registered.equals(presented) ? " with another identity_key" : "")
                    + "): use the original key directory");
        }
        signedIn(user, caller, response);
    }

    /**
     * A linked device's login (PROTOCOL.md, "Devices"): the proof is by the device's own key over its address, and
     * the keys it presents must be the account's as pinned; nothing is enrolled or pinned here.
     */
    private void linkedLogin(LoginRequest request, StreamObserver<LoginResponse> response) {
        String address = request.getUser();
        String user = Addresses.userOf(address);
        Caller caller = Caller.current();
        if (!challenges.take(address, request.getNonce().toByteArray())) {
            throw Refusal.unauthenticated("the login challenge is unknown, used or expired: ask for a new one");
        }
        Device device = devices.linked(address)
                .orElseThrow(() -> Refusal.unauthenticated("device " + Addresses.deviceOf(address) + " of " + user
                        + " is not linked (it was unlinked, or never linked): link this device again with"
                        + " ./spartan client " + user + " --link"));
        if (!LoginProof.verify(
                device.key(),
                address,
                request.getNonce().toByteArray(),
                caller.binding(),
                request.getSignature().toByteArray())) {
            log.warn(
                    "refused login of {} from {}: bad device signature or channel binding",
                    address,
                    caller.addressText());
            throw Refusal.unauthenticated("the signature over the login challenge is not valid for the key of device "
                    + device.id() + " of " + user + " on this connection");
        }
        PublicKeys pinned = directory.keys().keysOf(user);
        if (pinned == null || !pinned.equals(request.getKeys())) {
            throw Refusal.unauthenticated("the keys presented are not the ones " + user + " registered: a linked"
                    + " device presents the account's keys, as its link gave them");
        }
        throttle.proved(caller, user);
        signedIn(address, caller, response);
    }

    /** A login that passed every check: a session for the device at {@code address}, and what the client needs. */
    private void signedIn(String address, Caller caller, StreamObserver<LoginResponse> response) {
        store.recordLogin(address, clock.millis());
        response.onNext(LoginResponse.newBuilder()
                .setSessionToken(tokens.issue(address, caller.addressText(), caller.connection()))
                .addAllUsers(directory.users())
                .addAllGroups(directory.groupsOf(Addresses.userOf(address)))
                .setPort(port)
                .setSendWindow(sendWindow)
                .build());
        response.onCompleted();
    }

    /** The user's pinned keys; on a first login that enrollment admits, {@code keys} become them. */
    private PublicKeys pinned(String user, PublicKeys keys, Caller caller, String code) {
        PublicKeys pinned = directory.keys().keysOf(user);
        if (pinned != null && !pinned.equals(keys) && store.keys(user).isEmpty()) {
            pinned = null; // the operator reset the user on another node and this node's cache has not heard yet
        }
        if (pinned != null) {
            return pinned;
        }
        enrollment.admit(user, caller.address(), code);
        pinned = directory.keys().pin(user, keys);
        if (pinned.equals(keys)) {
            enrollment.enrolled(user);
            log.info("enrolled {} from {}", user, caller.addressText());
        }
        return pinned;
    }

    @Override
    public void logout(LogoutRequest request, StreamObserver<LogoutResponse> response) {
        tokens.revoke(Principal.address(), SessionTokens.End.LOGGED_OUT);
        response.onNext(LogoutResponse.getDefaultInstance());
        response.onCompleted();
    }

    private void requireKnown(String address) {
        if (address.isEmpty()) {
            throw Refusal.invalid("a user name is required");
        }
        if (Addresses.deviceOf(address) < 1) {
            throw Refusal.invalid("'" + address + "' is neither a user nor a device address (user#N, N from 2)");
        }
        String user = Addresses.userOf(address);
        if (!directory.isUser(user)) {
            throw Refusal.notFound("'" + user + "' is not a user of this server (see users in config.yaml)");
        }
    }

    /**
     * The static keys are no longer used by any message, but they are pinned with the identity key and make the
     * fingerprint, so a login must present both: a client that leaves one out is told which.
     */
    private static void requireRawKey(ByteString key, String field, String algorithm) {
        if (key.isEmpty()) {
            throw Refusal.invalid("the keys carry no " + field + ": a login presents signing_key, agreement_key and"
                    + " identity_key (PROTOCOL.md, Keys)");
        }
        if (key.size() != 32) {
            throw Refusal.invalid(
                    field + " must be the raw 32-byte " + algorithm + " public key, not " + key.size() + " bytes");
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
