package dev.spartan.client;

import dev.spartan.proto.Group;

/** What the client core tells its user interface. Called from gRPC threads, one event at a time, in order. */
public interface ClientListener {
    void message(Incoming message);

    void chatRequested(String from);

    void chatAccepted(String by);

    void chatDeclined(String by);

    void groupChanged(Group group, boolean removed);

    /** Something the user should read: a warning, a queued send, a lost connection. */
    void notice(String text);

    /** The backlog held for us at connect time has been delivered. */
    default void caughtUp() { }

    /** The session is over for good (replaced by another login, or the server refused us). */
    default void ended(String reason) { }
}
