package dev.spartan.store;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.PublicKeys;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Everything the server must not forget: pinned keys, chat state, held and recent messages, each user's inbox of
 * unacknowledged events, and run-time groups; embedded for one node, in Redis for several. Every operation is atomic; a
 * send is one, {@link #save}, while rarer compound changes (accepting a chat request, a group change) run inside
 * {@link #atomically}, which serializes work under one key across every node sharing the store and which {@code save}
 * waits for on its lock key. When either returns, what it wrote is durable, so the caller may acknowledge it.
 */
public interface MessageStore extends AutoCloseable {

    <T> T atomically(String lockKey, Supplier<T> work);

    Optional<PublicKeys> keys(String user);

    /** Pins the keys of a user's first login; returns what is pinned, which may differ from {@code keys}. */
    PublicKeys pinKeys(String user, PublicKeys keys);

    PairState pairState(String pairKey);

    void setPairState(String pairKey, PairState state);

    /**
     * Saves a new message in one atomic step: drops it if the sender's message id was saved before, checks the
     * guard, gives it the conversation's next sequence number, adds it to the conversation's recent history, then
     * either appends it to each recipient's inbox or holds it for the pair, and remembers the id. Nothing else runs
     * in between, and it is durable when this returns. The id is remembered last, so a step that fails (Redis does
     * not roll back a script that errs halfway) leaves the id free and the client's retry does the whole send again;
     * what the failed attempt already wrote may then be delivered twice, which receivers drop by message id.
     */
    SaveResult save(NewMessage message);

    /** Removes and returns the held messages of a pair, oldest first. */
    List<ChatMessage> takeHeld(String pairKey);

    List<ChatMessage> held(String pairKey);

    List<ChatMessage> history(String chatKey);

    /** Appends an event to a user's inbox under the next sequence number (1, 2, 3, ... per user). */
    void appendEvent(String user, Event event);

    /** Events with a sequence number above {@code afterSeq}, oldest first, at most {@code limit}. */
    List<Event> eventsAfter(String user, long afterSeq, int limit);

    /** Forgets the events up to and including {@code seq}: the user has displayed them. */
    void ack(String user, long seq);

    long lastAcked(String user);

    List<Group> runtimeGroups();

    Optional<Group> runtimeGroup(String name);

    void putGroup(Group group);

    void deleteGroup(String name);

    /** Goes up by one whenever a runtime group is put or deleted; 0 for a group never changed at run time. */
    long groupVersion(String name);

    /**
     * A cheap check that the store can serve now (Redis answers; the embedded file is open). Throws
     * {@link StoreUnavailableException} if not. Health checks call it every second.
     */
    void ping();
    // ---- enrollment: what the operator's admin commands and the login keep across restarts ----

    /** Forgets a user's pinned keys (the operator's reset); their next login pins new ones. Durable on return. */
    void dropKeys(String user);

    /** Keeps the user's one outstanding enrollment code, replacing an earlier one. Durable on return. */
    void putInvite(String user, Invite invite);

    Optional<Invite> invite(String user);

    void deleteInvite(String user);

    /** Remembers when the user last logged in (for the operator's user list). */
    void recordLogin(String user, long atMillis);

    /** When the user last logged in, in epoch millis; empty if never. */
    OptionalLong lastLogin(String user);

    @Override
    void close();
}
