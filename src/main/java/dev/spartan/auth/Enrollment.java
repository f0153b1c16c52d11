package dev.spartan.auth;

import dev.spartan.chat.Refusal;
import dev.spartan.config.SecurityConfig;
import dev.spartan.store.Invite;
import dev.spartan.store.MessageStore;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may make a user's first login, the one that pins their keys. The rule comes from config ({@code enrollment}):
 * loopback callers only, a code from the operator, or anyone. An outstanding code reserves the user for its holder
 * under every rule, so after an invite or a reset nobody else can take the name first.
 */
public final class Enrollment {
    /** A code as the operator sees it once. */
    public record Code(String user, String code, long expiresAtMillis) {}

    private final SecurityConfig config;
    private final MessageStore store;
    private final Clock clock;

    public Enrollment(SecurityConfig config, MessageStore store, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Refuses, with words for the person at the client, a first login that may not pin keys. */
    void admit(String user, InetAddress peer, String code) {
        Optional<Invite> invite = store.invite(user).filter(i -> i.expiresAtMillis() > clock.millis());
        if (!code.isBlank()) {
            if (invite.isEmpty() || !MessageDigest.isEqual(invite.get().codeHash(), InviteCodes.hash(user, code))) {
                throw Refusal.denied("the enrollment code for '" + user + "' is wrong, used or expired: ask the"
                        + " server's operator for a new one (./spartan admin invite " + user + ")");
            }
            return;
        }
        if (invite.isPresent()) {
            throw Refusal.denied("'" + user + "' is reserved for the holder of an enrollment code: start the client"
                    + " with --invite CODE");
        }
        if (store.enrollmentClosed()) {
            throw Refusal.denied("the first login of '" + user + "' needs an enrollment code: this server's store was"
                    + " begun anew and its operator has not reopened enrollment; ask the operator (./spartan admin"
                    + " invite " + user + ") and start the client with --invite CODE");
        }
        boolean allowed = switch (config.enrollment()) {
            case OPEN -> true;
            case INVITE -> false;
            case LOOPBACK ->
                peer != null && config.enrollmentNetworks().stream().anyMatch(r -> r.contains(peer));
        };
        if (!allowed) {
            throw Refusal.denied("the first login of '" + user + "' needs an enrollment code"
                    + (config.enrollment() == SecurityConfig.Enrollment.LOOPBACK ? " from this address" : "")
                    + ": ask the server's operator (./spartan admin invite " + user + ") and start the client with"
                    + " --invite CODE");
        }
    }

    /** The first login pinned the user's keys: their code, if any, is used up. */
    void enrolled(String user) {
        if (store.invite(user).isPresent()) {
            store.deleteInvite(user);
        }
    }

    /** A new one-time code for {@code user}, replacing an earlier one. */
    public Code invite(String user) {
        String code = InviteCodes.generate();
        long expires = clock.millis() + config.inviteTtl().toMillis();
        store.putInvite(user, new Invite(InviteCodes.hash(user, code), expires));
        return new Code(user, code, expires);
    }

    /** The operator reopens enrollment after {@code --new-store}: the configured rule applies again. */
    public void reopen() {
        store.reopenEnrollment();
    }

    public boolean closed() {
        return store.enrollmentClosed();
    }

    /** Whether {@code user} has a code outstanding. */
    public boolean invited(String user) {
        return store.invite(user)
                .filter(i -> i.expiresAtMillis() > clock.millis())
                .isPresent();
    }
}
