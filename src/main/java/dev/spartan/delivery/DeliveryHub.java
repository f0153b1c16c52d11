package dev.spartan.delivery;

import dev.spartan.chat.InboxWatchers;
import dev.spartan.proto.Event;
import io.grpc.Status;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams open on this node, one per user. A second login of the same user replaces the first: its stream is
 * closed with FAILED_PRECONDITION, which the older client reports and does not retry. Replacing (rather than refusing)
 * means a client whose old connection died silently can always come back at once.
 */
public final class DeliveryHub implements InboxWatchers {
    private static final Logger log = LoggerFactory.getLogger(DeliveryHub.class);
    private final Map<String, StreamSession> sessions = new ConcurrentHashMap<>();
    private final Map<StreamSession, Object> loginOf = new ConcurrentHashMap<>();
    private final Map<String, Runnable> watches = new ConcurrentHashMap<>();
    private volatile RemoteNodes remote = RemoteNodes.NONE;
    private volatile BiConsumer<String, String> sessionsEndedElsewhere = (user, reason) -> {};

    public void attach(StreamSession session) {
        attach(session, new Object());
    }

    /**
     * As {@link #attach(StreamSession)}; {@code login} is the login the stream belongs to, so that a second stream
     * of the same login (the same client opening another) is told apart from a newer login.
     */
    public void attach(StreamSession session, Object login) {
        loginOf.put(session, login);
        StreamSession old = sessions.put(session.user(), session);
        if (old != null && old != session) {
            if (loginOf.get(old) == login) {
                log.info(
                        "{} opened another push stream with the same session; the older stream is closed",
                        session.user());
                old.close(Status.FAILED_PRECONDITION.withDescription("this session opened a newer push stream"
                        + " (one stream per session): this older stream is closed"));
            } else {
                log.info("session replaced: {} signed in again; the older stream is closed", session.user());
                old.close(replaced(session.user()));
            }
        }
        session.start();
        remote.attached(session.user());
    }

    /** Another node took this user's session: close ours, as for a second login here. */
    public void replacedElsewhere(String user) {
        StreamSession s = sessions.get(user);
        if (s != null) {
            log.info("session replaced: {} signed in on another node; the stream here is closed", user);
            s.close(replaced(user));
        }
    }

    /** Ends this user's stream on this node, if any, with {@code status}. */
    public void endHere(String user, Status status) {
        StreamSession s = sessions.get(user);
        if (s != null) {
            s.close(status);
        }
    }

    /** Tells the other nodes that {@code user}'s sessions there end, for {@code reason}. */
    public void endSessionsElsewhere(String user, String reason) {
        remote.sessionsEnded(user, reason);
    }

    /** Who ends this node's sessions when another node says so (the node's session tokens). */
    public void onSessionsEndedElsewhere(BiConsumer<String, String> action) {
        this.sessionsEndedElsewhere = Objects.requireNonNull(action, "action");
    }

    /** Another node says {@code user}'s sessions here end. */
    public void sessionsEndedElsewhere(String user, String reason) {
        sessionsEndedElsewhere.accept(user, reason);
    }

    /** After a lost cross-node notification channel comes back, every stream looks at its inbox again. */
    public void signalAllHere() {
        sessions.values().forEach(StreamSession::signal);
        watches.values().forEach(Runnable::run);
    }

    /**
     * Runs {@code onSignal} whenever {@code name} is signalled on this node, as a stream would look at its inbox: for
     * waits that are not a user's stream (a new device waiting for its link to be answered, on whatever node).
     */
    public void watch(String name, Runnable onSignal) {
        watches.put(name, onSignal);
    }

    public void unwatch(String name, Runnable onSignal) {
        watches.remove(name, onSignal);
    }

    private static Status replaced(String user) {
        return Status.FAILED_PRECONDITION.withDescription(
                user + " signed in from another client; this session is closed");
    }

    public void detach(StreamSession session) {
        sessions.remove(session.user(), session);
        loginOf.remove(session);
    }

    /** Tells the recipients' streams, here and (in cluster mode) on other nodes, that their inbox grew. */
    @Override
    public void inboxesGrew(Collection<String> users) {
        if (users.isEmpty()) {
            return;
        }
        users.forEach(this::signalHere);
        remote.inboxesGrew(users);
    }

    /**
     * New events, already stored in these users' inboxes. A stream open here may send its event without reading it
     * back from the store; streams on other nodes are told to look, as for {@link #inboxesGrew(Collection)}.
     */
    @Override
    public void eventsStored(Map<String, Event> stored) {
        if (stored.isEmpty()) {
            return;
        }
        stored.forEach(this::offerHere);
        remote.eventsStored(stored);
    }

    /** Tells this user's stream on this node, if any, to look at its inbox. */
    public void signalHere(String user) {
        StreamSession s = sessions.get(user);
        if (s != null) {
            s.signal();
        }
        Runnable watch = watches.get(user);
        if (watch != null) {
            watch.run();
        }
    }

    /** An event another node stored for this user: a stream here may send it without reading it back. */
    public void offerHere(String user, Event stored) {
        StreamSession s = sessions.get(user);
        if (s != null) {
            s.offer(stored);
        }
    }

    /** An event that is not stored (a typing indicator): sent to this user's stream on this node, if any. */
    public void passOnHere(String user, Event event) {
        StreamSession s = sessions.get(user);
        if (s != null) {
            s.passOn(event);
        }
    }

    /** Bus messages received from other nodes (0 for a single node). */
    public long busMessagesReceived() {
        return remote.messagesReceived();
    }

    public void setRemote(RemoteNodes remote) {
        this.remote = Objects.requireNonNull(remote, "remote");
    }

    public Set<String> onlineHere() {
        return Set.copyOf(sessions.keySet());
    }

    public int openStreams() {
        return sessions.size();
    }

    public void closeAll(Status status) {
        sessions.values().forEach(s -> s.close(status));
    }
}
