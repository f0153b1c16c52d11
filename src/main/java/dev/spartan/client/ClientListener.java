package dev.spartan.client;

import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Group;

/**
 * What the client core tells its user interface. Called from gRPC threads, one event at a time, in order. Every
 * method does nothing by default, so a headless user (a test, the bench) overrides only what it watches.
 */
public interface ClientListener {
    default void message(Incoming message) {}

    default void chatRequested(String from) {}

    default void chatAccepted(String by) {}

    default void chatDeclined(String by) {}

    /** After a decline: this many messages to the peer are kept in the outbox until the user decides. */
    default void messagesKept(String peer, int count) {}

    /** One of the user's own messages moved on (queued, stored, delivered ...). */
    default void sendState(String messageId, ChatRef to, SendState state) {}

    default void groupChanged(Group group, boolean removed) {}

    /**
     * Someone this user has no accepted chat with put them in a group: they are in it once they join
     * ({@link ChatClient#answerGroup}). Told once per run for each invitation still open.
     */
    default void groupInvited(Invitations.Open invitation) {}

    /** Something the user should read: a warning, a queued send, a lost connection. */
    default void notice(String text) {}

    /** The backlog held for us at connect time has been delivered. */
    default void caughtUp() {}

    /** An earlier message was replied to, edited, deleted, reacted to or disappeared, or a chat's timer set. */
    default void changed(Actions.Change change) {}

    /** {@code from} is typing in {@code chat} (the typist's name for 1:1, the group); an opt-in indicator. */
    default void typing(String from, ChatRef chat) {}

    /** The session is over for good (replaced by another login, or the server refused us). */
    default void ended(String reason) {}
}
