package dev.spartan.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Bearer tokens handed out by a successful login, each valid for a fixed time. A user has at most one live token on
 * a node: a new login revokes the older ones, as does a logout or the operator's reset, and whoever watches
 * {@link #onEnd} closes that user's stream at once, so a stolen token and the stream opened with it die together.
 * Tokens are per node; a client that moves to another node logs in again.
 */
public final class SessionTokens implements AutoCloseable {
    /** Why a session stopped being valid. */
    public enum End {
        /** The same user logged in again, here or on another node. */
        REPLACED,
        LOGGED_OUT,
        EXPIRED,
        /** The operator reset the user's keys. */
        RESET,
        /** The device was unlinked from its account (PROTOCOL.md, "Devices"). */
        UNLINKED
    }

    /** What a token stands for. */
    /**
     * A live session.
     *
     * @param connection the id of the connection the login was made on ({@link Caller#connection()}); the token
     *                   works only there. Null: the token is not bound (session_binding: none, in-process calls)
     */
    public record Session(String user, String peer, long issuedAtMillis, long expiresAtMillis, String connection) {}

    /** Told when a session starts or ends on this node, from the thread that did it. */
    public interface Listener {
        void ended(String user, End reason);

        /** A login made a new session (other nodes may hold older ones). */
        default void issued(String user) {}
    }

    private record Entry(String token, Session session, ScheduledFuture<?> expiry) {}

    private final Duration ttl;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> byToken = new ConcurrentHashMap<>();
    private final Map<String, Entry> byUser = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timer;
    private volatile Listener listener = (user, reason) -> {};

    public Duration ttl() {
        return ttl;
    }

    public SessionTokens(Duration ttl, Clock clock) {
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "session-expiry");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // a revoked session leaves nothing queued for its remaining lifetime
    }

    public void onEnd(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** A new token for {@code user}; any older session of theirs on this node ends as {@link End#REPLACED}. */
    public String issue(String user, String peer) {
        return issue(user, peer, null);
    }

    /** As {@link #issue(String, String)}, the token bound to {@code connection} (null: unbound). */
    public String issue(String user, String peer, String connection) {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        long now = clock.millis();
        Session session = new Session(user, peer, now, now + ttl.toMillis(), connection);
        Entry old;
        synchronized (this) {
            ScheduledFuture<?> expiry =
                    timer.schedule(() -> end(token, End.EXPIRED), ttl.toMillis(), TimeUnit.MILLISECONDS);
            Entry entry = new Entry(token, session, expiry);
            old = byUser.put(user, entry);
            byToken.put(token, entry);
            if (old != null) {
                forget(old);
            }
        }
        if (old != null) {
            listener.ended(user, End.REPLACED);
        }
        listener.issued(user);
        return token;
    }

    /** Users with a live token on this node: the users logged in here. */
    public int loggedIn() {
        return byUser.size();
    }

    /** The user of a live token; empty if unknown, revoked or expired. */
    public Optional<String> userOf(String token) {
        return session(token).map(Session::user);
    }

    /** The live session of a token; empty if unknown, revoked or expired. */
    public Optional<Session> session(String token) {
        Entry e = byToken.get(token);
        if (e == null) {
            return Optional.empty();
        }
        if (clock.millis() >= e.session().expiresAtMillis()) {
            end(token, End.EXPIRED);
            return Optional.empty();
        }
        return Optional.of(e.session());
    }

    /** Ends {@code user}'s session on this node, if any. */
    public void revoke(String user, End reason) {
        Entry e = byUser.get(user);
        if (e != null) {
            end(e.token(), reason);
        }
    }

    /** The live sessions on this node. */
    public List<Session> sessions() {
        long now = clock.millis();
        List<Session> out = new ArrayList<>();
        for (Entry e : byUser.values()) {
            if (e.session().expiresAtMillis() > now) {
                out.add(e.session());
            }
        }
        return out;
    }

    private void end(String token, End reason) {
        Entry e;
        synchronized (this) {
            e = byToken.get(token);
            if (e == null) {
                return;
            }
            byUser.remove(e.session().user(), e);
            forget(e);
        }
        listener.ended(e.session().user(), reason);
    }

    private void forget(Entry e) {
        byToken.remove(e.token());
        e.expiry().cancel(false);
    }

    /** For tests: how many tokens are remembered. */
    int size() {
        return byToken.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
