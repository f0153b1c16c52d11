package dev.spartan.server.admin;

import dev.spartan.auth.Enrollment;
import dev.spartan.auth.SessionTokens;
import dev.spartan.chat.Directory;
import dev.spartan.chat.Refusal;
import dev.spartan.chat.Retention;
import dev.spartan.crypto.PublicIdentity;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.admin.AdminGrpc;
import dev.spartan.proto.admin.BackupRequest;
import dev.spartan.proto.admin.BackupResponse;
import dev.spartan.proto.admin.InviteRequest;
import dev.spartan.proto.admin.InviteResponse;
import dev.spartan.proto.admin.NodeInfo;
import dev.spartan.proto.admin.PurgeRequest;
import dev.spartan.proto.admin.PurgeResponse;
import dev.spartan.proto.admin.ReopenEnrollmentRequest;
import dev.spartan.proto.admin.ReopenEnrollmentResponse;
import dev.spartan.proto.admin.ResetRequest;
import dev.spartan.proto.admin.SessionInfo;
import dev.spartan.proto.admin.SessionsRequest;
import dev.spartan.proto.admin.SessionsResponse;
import dev.spartan.proto.admin.UserInfo;
import dev.spartan.proto.admin.UsersRequest;
import dev.spartan.proto.admin.UsersResponse;
import dev.spartan.store.MessageStore;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the operator can do to a running node: enrollment codes, resets, and who is enrolled and connected. */
public final class AdminService extends AdminGrpc.AdminImplBase {
    private static final Logger log = LoggerFactory.getLogger(AdminService.class);

    private final Directory directory;
    private final MessageStore store;
    private final Enrollment enrollment;
    private final SessionTokens tokens;
    private final DeliveryHub hub;
    private final Presence presence;
    private final String node;
    private final Retention retention;

    /** @param node how this node is named in listings: its host:port */
    public AdminService(
            Directory directory,
            MessageStore store,
            Enrollment enrollment,
            SessionTokens tokens,
            DeliveryHub hub,
            Presence presence,
            String node,
            Retention retention) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.enrollment = Objects.requireNonNull(enrollment, "enrollment");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.presence = Objects.requireNonNull(presence, "presence");
        this.node = Objects.requireNonNull(node, "node");
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    @Override
    public void invite(InviteRequest request, StreamObserver<InviteResponse> response) {
        String user = known(request.getUser());
        PublicKeys keys = store.keys(user).orElse(null);
        if (keys != null) {
            throw Refusal.precondition(user + " is already enrolled (key fingerprint " + fingerprint(keys)
                    + "): use 'reset " + user + "' to replace their keys");
        }
        log.info("operator made an enrollment code for {}", user);
        reply(response, enrollment.invite(user));
    }

    /**
     * The code is stored before the keys are dropped: in between, the user is reserved for the code's holder rather
     * than open to whoever logs in first.
     */
    @Override
    public void reset(ResetRequest request, StreamObserver<InviteResponse> response) {
        String user = known(request.getUser());
        Enrollment.Code code = enrollment.invite(user);
        store.dropKeys(user);
        for (dev.spartan.store.Device d : store.devices(user)) {
            String address = dev.spartan.contract.Addresses.of(user, d.id());
            store.dropKeys(address); // the device's prekeys
            tokens.revoke(address, SessionTokens.End.RESET);
            hub.endSessionsElsewhere(address, SessionTokens.End.RESET.name());
        }
        store.dropDevices(user); // a reset drops every device: the new identity links its own
        directory.keys().forget(user);
        tokens.revoke(user, SessionTokens.End.RESET);
        hub.endSessionsElsewhere(user, SessionTokens.End.RESET.name());
        log.warn("operator reset the keys of {}; their sessions are closed", user);
        reply(response, code);
    }

    @Override
    public void reopenEnrollment(ReopenEnrollmentRequest request, StreamObserver<ReopenEnrollmentResponse> response) {
        boolean wasClosed = enrollment.closed();
        enrollment.reopen();
        log.warn("operator reopened enrollment (it was {})", wasClosed ? "closed after --new-store" : "open");
        response.onNext(
                ReopenEnrollmentResponse.newBuilder().setWasClosed(wasClosed).build());
        response.onCompleted();
    }

    /** One user's every record, or everything older than an age; a purged user's sessions end too. */
    @Override
    public void purge(PurgeRequest request, StreamObserver<PurgeResponse> response) {
        PurgeResponse.Builder out = PurgeResponse.newBuilder();
        if (!request.getUser().isEmpty()) {
            String user = known(request.getUser());
            tokens.revoke(user, SessionTokens.End.RESET);
            hub.endSessionsElsewhere(user, SessionTokens.End.RESET.name());
            directory.keys().forget(user);
            retention.purge(user);
        } else if (request.getOlderThanSeconds() > 0) {
            out.setExpiredMessages(retention.olderThan(Duration.ofSeconds(request.getOlderThanSeconds())));
            log.warn("operator purged everything older than {} s", request.getOlderThanSeconds());
        } else {
            throw Refusal.invalid("purge needs a user or older_than_seconds above 0");
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    @Override
    public void backup(BackupRequest request, StreamObserver<BackupResponse> response) {
        Path zip = Path.of(request.getStoreZip());
        if (!zip.isAbsolute()) {
            throw Refusal.invalid("store_zip must be an absolute path, not '" + request.getStoreZip() + "'");
        }
        try {
            store.backup(zip);
            response.onNext(
                    BackupResponse.newBuilder().setBytes(Files.size(zip)).build());
        } catch (UnsupportedOperationException e) {
            throw Refusal.precondition(e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            throw Refusal.precondition(e.getMessage());
        }
        log.info("operator took a backup of the store to {}", zip);
        response.onCompleted();
    }

    @Override
    public void users(UsersRequest request, StreamObserver<UsersResponse> response) {
        UsersResponse.Builder out = UsersResponse.newBuilder();
        for (String user : directory.users()) {
            UserInfo.Builder info = UserInfo.newBuilder().setName(user).setInvited(enrollment.invited(user));
            store.keys(user).ifPresent(k -> info.setKeyFingerprint(fingerprint(k)));
            store.lastLogin(user).ifPresent(info::setLastLoginMillis);
            out.addUsers(info);
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    @Override
    public void sessions(SessionsRequest request, StreamObserver<SessionsResponse> response) {
        SessionsResponse.Builder out = SessionsResponse.newBuilder();
        Set<String> streaming = hub.onlineHere();
        int here = 0;
        for (SessionTokens.Session s : tokens.sessions()) {
            out.addSessions(SessionInfo.newBuilder()
                    .setUser(s.user())
                    .setNode(node)
                    .setPeer(s.peer())
                    .setSinceMillis(s.issuedAtMillis())
                    .setExpiresAtMillis(s.expiresAtMillis())
                    .setStreaming(streaming.contains(s.user())));
            here++;
        }
        for (String user : presence.online()) {
            if (!streaming.contains(user)) {
                out.addSessions(SessionInfo.newBuilder()
                        .setUser(user)
                        .setNode("another node")
                        .setStreaming(true));
            }
        }
        out.addNodes(NodeInfo.newBuilder().setId(node).setAddress(node).setSessions(here));
        response.onNext(out.build());
        response.onCompleted();
    }

    private String known(String user) {
        if (!directory.isUser(user)) {
            throw Refusal.notFound("'" + user + "' is not a user of this server (see users in config.yaml)");
        }
        return user;
    }

    private static String fingerprint(PublicKeys keys) {
        return new PublicIdentity(
                        keys.getSigningKey().toByteArray(),
                        keys.getAgreementKey().toByteArray())
                .fingerprint();
    }

    private static void reply(StreamObserver<InviteResponse> response, Enrollment.Code code) {
        response.onNext(InviteResponse.newBuilder()
                .setUser(code.user())
                .setCode(code.code())
                .setExpiresAtMillis(code.expiresAtMillis())
                .build());
        response.onCompleted();
    }
}
