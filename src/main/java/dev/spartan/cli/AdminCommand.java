package dev.spartan.cli;

import dev.spartan.proto.admin.AdminGrpc;
import dev.spartan.proto.admin.InviteRequest;
import dev.spartan.proto.admin.InviteResponse;
import dev.spartan.proto.admin.NodeInfo;
import dev.spartan.proto.admin.PurgeRequest;
import dev.spartan.proto.admin.ReopenEnrollmentRequest;
import dev.spartan.proto.admin.ResetRequest;
import dev.spartan.proto.admin.SessionInfo;
import dev.spartan.proto.admin.SessionsRequest;
import dev.spartan.proto.admin.UserInfo;
import dev.spartan.proto.admin.UsersRequest;
import dev.spartan.server.admin.AdminAccess;
import dev.spartan.store.StoreOpenException;
import dev.spartan.tls.ServerCertificate;
import dev.spartan.tls.TlsException;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "admin",
        mixinStandardHelpOptions = true,
        description = {
            "Talks to the running node whose data directory is --data, over its admin port on 127.0.0.1,",
            "with the token in DIR/" + AdminAccess.FILE + " (readable only by the user who runs the server).",
            "  invite NAME    prints a one-time enrollment code for NAME's first login (--invite CODE)",
            "  reset NAME     forgets NAME's keys, closes their sessions and prints a new code",
            "  users          users with their key fingerprint, last login and outstanding codes",
            "  sessions       open sessions on this node, and users streaming on other nodes",
            "  reopen-enrollment  after --new-store, lets first logins follow the enrollment rule again",
            "  rotate-cert    makes a new TLS key and certificate in DIR/tls, with a rotation statement signed by",
            "                 the old key and the new one (works on the files: the node serves it from its next start)",
            "  backup --to DIR   a consistent copy of the running embedded node's store and tls/ (not its admin",
            "                 token) in the new directory DIR; prints what it wrote and the last acknowledged message",
            "  restore --from DIR [--data NEWDIR]  lays a backup out as the data directory of a node to start",
            "  purge NAME     deletes every record of NAME from the store and ends their sessions",
            "  purge --older-than 7d  deletes every message sent before that age (s, m, h or d); senders of",
            "                 undelivered ones are told they expired",
            "Talks to no node: rotate-cert and restore (they work on the files)."
        })
public final class AdminCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    @Parameters(
            index = "0",
            paramLabel = "ACTION",
            description = "invite, reset, users, sessions, reopen-enrollment, rotate-cert, backup, restore or purge")
    String action;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "NAME",
            description = "The user, for invite, reset and purge.")
    String user;

    @Option(
            names = "--data",
            description = "Data directory of the node to manage (default: ${DEFAULT-VALUE}).",
            defaultValue = "spartan-data")
    Path data;

    @Option(names = "--to", paramLabel = "DIR", description = "backup: the new (or empty) directory to write.")
    Path to;

    @Option(names = "--from", paramLabel = "DIR", description = "restore: the backup directory to lay out.")
    Path from;

    @Option(names = "--older-than", paramLabel = "AGE", description = "purge: an age such as 7d, 12h, 30m or 90s.")
    String olderThan;

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
        if (action.equals("rotate-cert")) {
            return rotateCert();
        }
        if (action.equals("restore")) {
            return restore();
        }
        if (action.equals("backup")) {
            if (to == null) {
                System.err.println("spartan admin: backup needs --to DIR, a new directory for the backup");
                return 2;
            }
            try {
                BackupCommands.requireEmpty(to);
            } catch (IOException e) {
                System.err.println("spartan admin: " + e.getMessage());
                return 2;
            }
        }
        if (action.equals("purge") && (user == null) == (olderThan == null)) {
            System.err.println("spartan admin: purge takes a user name or --older-than AGE (such as 7d), not both");
            return 2;
        }
        if (olderThan != null && Ages.parse(olderThan).isEmpty()) {
            System.err.println("spartan admin: --older-than '" + olderThan + "' is not an age: use a number and s, m,"
                    + " h or d, such as 7d");
            return 2;
        }
        boolean needsUser = action.equals("invite") || action.equals("reset");
        if (!needsUser
                && !List.of("users", "sessions", "reopen-enrollment", "backup", "purge")
                        .contains(action)) {
            System.err.println(
                    "spartan admin: unknown action '" + action
                            + "': use invite, reset, users, sessions, reopen-enrollment, rotate-cert, backup, restore or purge");
            return 2;
        }
        if (needsUser != (user != null) && !action.equals("purge")) {
            System.err.println("spartan admin: " + action + (needsUser ? " needs a user name" : " takes no name"));
            return 2;
        }
        AdminAccess access;
        try {
            access = AdminAccess.read(data);
        } catch (IOException | IllegalStateException e) {
            System.err.println("spartan admin: " + e.getMessage());
            return 2;
        }
        Metadata headers = new Metadata();
        headers.put(AdminAccess.HEADER, access.token());
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", access.port(), InsecureChannelCredentials.create())
                .build();
        try {
            AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(action.equals("backup") ? 600 : 10, TimeUnit.SECONDS);
            run(admin);
            return 0;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                System.err.println("spartan admin: the node of " + data + " does not answer on 127.0.0.1:"
                        + access.port() + " (stopped? its " + AdminAccess.FILE + " is left over)");
                return 2;
            }
            System.err.println("spartan admin: " + e.getStatus().getDescription());
            return 1;
        } catch (IOException | UncheckedIOException | StoreOpenException e) {
            System.err.println("spartan admin: " + e.getMessage());
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }

    /** Offline: no node is asked, the backup is laid out as a data directory. */
    private int restore() {
        if (from == null || user != null) {
            System.err.println("spartan admin: restore needs --from DIR (a backup) and takes no name");
            return 2;
        }
        try {
            new BackupCommands(out).restore(from, data);
            return 0;
        } catch (IOException | UncheckedIOException | StoreOpenException e) {
            System.err.println("spartan admin: " + e.getMessage());
            return 1;
        }
    }

    private void run(AdminGrpc.AdminBlockingStub admin) throws IOException {
        switch (action) {
            case "backup" -> new BackupCommands(out).backup(admin, data, to);
            case "purge" -> {
                PurgeRequest.Builder request = PurgeRequest.newBuilder();
                if (user != null) {
                    admin.purge(request.setUser(user).build());
                    out.println("Purged " + user + ": no record of them is left in the store, and their sessions are"
                            + " closed. They stay in config.yaml's users; a new first login enrolls them anew.");
                } else {
                    long seconds = Ages.parse(olderThan).orElseThrow().toSeconds();
                    int expired = admin.purge(
                                    request.setOlderThanSeconds(seconds).build())
                            .getExpiredMessages();
                    out.println("Purged every message sent more than " + olderThan + " ago; " + expired
                            + " of them were undelivered, and their senders are told they expired.");
                }
            }
            case "invite" ->
                code(admin.invite(InviteRequest.newBuilder().setUser(user).build()));
            case "reset" -> {
                InviteResponse r =
                        admin.reset(ResetRequest.newBuilder().setUser(user).build());
                out.println("Reset " + user + ": their keys are forgotten and their sessions closed.");
                code(r);
            }
            case "reopen-enrollment" -> {
                boolean wasClosed = admin.reopenEnrollment(ReopenEnrollmentRequest.getDefaultInstance())
                        .getWasClosed();
                out.println(
                        wasClosed
                                ? "Enrollment is open again: first logins follow the server's enrollment rule."
                                : "Enrollment was not closed: first logins already follow the server's enrollment rule.");
            }
            case "users" -> {
                out.printf("%-16s %-20s %-24s %s%n", "USER", "KEY FINGERPRINT", "LAST LOGIN", "CODE");
                for (UserInfo u : admin.users(UsersRequest.getDefaultInstance()).getUsersList()) {
                    out.printf(
                            "%-16s %-20s %-24s %s%n",
                            u.getName(),
                            u.getKeyFingerprint().isEmpty() ? "(not enrolled)" : u.getKeyFingerprint(),
                            time(u.getLastLoginMillis()),
                            u.getInvited() ? "outstanding" : "-");
                }
            }
            default -> {
                var r = admin.sessions(SessionsRequest.getDefaultInstance());
                out.printf("%-16s %-22s %-18s %-24s %-24s %s%n", "USER", "NODE", "PEER", "SINCE", "EXPIRES", "STREAM");
                for (SessionInfo s : r.getSessionsList()) {
                    out.printf(
                            "%-16s %-22s %-18s %-24s %-24s %s%n",
                            s.getUser(),
                            s.getNode(),
                            s.getPeer().isEmpty() ? "-" : s.getPeer(),
                            time(s.getSinceMillis()),
                            time(s.getExpiresAtMillis()),
                            s.getStreaming() ? "open" : "-");
                }
                for (NodeInfo n : r.getNodesList()) {
                    out.println("node " + n.getId() + ": " + n.getSessions() + " session(s)");
                }
            }
        }
    }

    /** On the files, so it works whether the node runs or not; clients meet the new certificate at its restart. */
    private int rotateCert() {
        if (user != null) {
            System.err.println("spartan admin: rotate-cert takes no name");
            return 2;
        }
        try {
            ServerCertificate.Rotated r = ServerCertificate.rotate(data, Clock.systemUTC());
            out.println("Rotated the TLS certificate in " + data.resolve("tls") + ": SHA-256 " + r.from() + " -> "
                    + r.to() + " (rotation statements in the certificate: " + r.chainLength() + ").");
            out.println("Restart the node to serve it; clients that pinned an earlier certificate of this node check"
                    + " the statement and re-pin by themselves.");
            return 0;
        } catch (TlsException e) {
            System.err.println("spartan admin: " + e.getMessage());
            return 2;
        }
    }

    private void code(InviteResponse r) {
        out.println("Enrollment code for " + r.getUser() + ": " + r.getCode());
        out.println("Valid once, until " + time(r.getExpiresAtMillis()) + ". On " + r.getUser()
                + "'s machine: ./spartan client " + r.getUser() + " --invite " + r.getCode());
    }

    private static String time(long millis) {
        return millis == 0 ? "-" : TIME.format(Instant.ofEpochMilli(millis));
    }
}
