package dev.spartan.store;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Event;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SignedPreKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Everything the server must not forget: pinned keys, chat state, held and recent messages, each user's inbox of
 * events not yet acknowledged, and groups made at run time. The embedded implementation is for one node; the Redis
 * one lets several nodes share it. Both keep their own records (storage.proto) and speak the API's types only here.
 *
 * <p>Single operations are atomic. A send is one operation, {@link #save}, because it is the hot path: the Redis
 * store runs it as one script. Rarer compound changes (accepting a chat request, a group change) run inside
 * {@link #atomically}, which serializes all work under the same key across every node that shares the store;
 * {@code save} waits for such work on its lock key to finish. When either returns, what it wrote is durable: the
 * caller may acknowledge it. A store that cannot write throws {@link StoreUnavailableException}.
 */
public interface MessageStore extends AutoCloseable, DeviceStore {

    /** The id made when this store was created: sequence numbers mean something only within one epoch. */
    String epoch();

    <T> T atomically(String lockKey, Supplier<T> work);

    Optional<PublicKeys> keys(String user);

    /** Pins the keys of a user's first login; returns what is pinned, which may differ from {@code keys}. */
    PublicKeys pinKeys(String user, PublicKeys keys);

    PairState pairState(String pairKey);

    void setPairState(String pairKey, PairState state);

    /**
     * Saves a new message in one atomic step: drops it if the sender's message id was saved before, checks the
     * guard, gives it the conversation's next sequence number, adds it to the conversation's history, then either
     * appends it to each recipient's inbox or holds it for the pair (within the message's hold limit), and remembers
     * the id. Nothing else runs in between, and it is durable when this returns. The id is remembered last, so a step
     * that fails (Redis does not roll back a script that errs halfway) leaves the id free and the client's retry does
     * the whole send again; what the failed attempt already wrote may then be delivered twice, which receivers drop
     * by message id.
     */
    default SaveResult save(NewMessage message) {
        try {
            return saveAsync(message).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * {@link #save}, split in two: the writes are made (or the message refused) before this returns, so saves called
     * one after another are stored in that order; the future completes once they are durable, so one commit can
     * cover many saves. A result that wrote nothing (refused, hold full) may complete at once. Fails with
     * {@link StoreUnavailableException} if the store cannot write.
     */
    default CompletableFuture<SaveResult> saveAsync(NewMessage message) {
        return CompletableFuture.completedFuture(save(message));
    }

    /** Moves the messages held for a pair into {@code recipient}'s inbox, oldest first; returns them as stored. */
    List<Event> releaseHeld(String pairKey, String recipient);

    /** Drops the messages held for a pair, from the hold and from their conversation's history; oldest first. */
    List<ChatMessage> dropHeld(String pairKey);

    List<ChatMessage> held(String pairKey);

    /**
     * Up to {@code limit} of the newest messages of a conversation whose chat_seq is below {@code beforeSeq} (0: no
     * bound), oldest first. The store keeps each conversation's last {@link NewMessage#keepHistory} messages.
     */
    List<ChatMessage> history(String chatKey, long beforeSeq, int limit);

    /**
     * The chat_seq the conversation's newest message got, if the store can tell it at the cost of one read; -1 if
     * not. A node's history cache compares it with its copy, so a copy missing a message another node stored is
     * never served (Redis).
     */
    default long latestChatSeq(String chatKey) {
        return -1;
    }

    /** Forgets a conversation's history, when nobody can read it any more. */
    void deleteHistory(String chatKey);

    /**
     * Appends an event that is not a message to a user's inbox under the next sequence number (1, 2, 3, ... per
     * user); returns that number.
     */
    long appendEvent(String user, Event event);

    /** Events with a sequence number above {@code afterSeq}, oldest first, at most {@code limit}. */
    List<Event> eventsAfter(String user, long afterSeq, int limit);

    /** The highest sequence number a user's inbox has given out: 0 if it never held anything. */
    long lastSeq(String user);

    /**
     * Forgets the events up to and including {@code seq}: the user has displayed them. Returns false, and forgets
     * nothing, if {@code seq} is above {@link #lastSeq}: the user cannot have seen what was never there.
     */
    boolean ack(String user, long seq);

    long lastAcked(String user);

    /** The highest chat_seq of conversation {@code chatKey} among the messages {@code user} has acknowledged. */
    long acknowledgedChatSeq(String user, String chatKey);

    Optional<RuntimeGroup> runtimeGroup(String name);

    /** The run-time groups {@code user} is a member of. */
    List<RuntimeGroup> groupsOf(String user);

    /**
     * Creates a run-time group, or changes the members of one; a new group gets a new generation, a changed one
     * keeps its own. Call inside {@link #atomically} under the group's lock. Returns the group as stored.
     *
     * @param chain   the signed membership statements that led to {@code members}, oldest first
     * @param invited the members who have not joined yet, each with the wall-clock millisecond its invitation expires
     */
    RuntimeGroup putGroup(
            String name, List<String> members, List<RuntimeGroup.Signed> chain, Map<String, Long> invited);

    /** {@link #putGroup(String, List, List, Map)} for a group whose members have all joined. */
    default RuntimeGroup putGroup(String name, List<String> members, List<RuntimeGroup.Signed> chain) {
        return putGroup(name, members, chain, Map.of());
    }

    /** {@link #putGroup(String, List, List)} for a group without signed statements. */
    default RuntimeGroup putGroup(String name, List<String> members) {
        return putGroup(name, members, List.of());
    }

    void deleteGroup(String name);

    /** Goes up by one whenever a runtime group is put or deleted; 0 for a group never changed at run time. */
    long groupVersion(String name);

    /**
     * Tells {@code listener}, once, when the store has failed for good and will answer every call with
     * {@link StoreUnavailableException} (a file that cannot be written, a Redis that lost this store). The reason
     * is one line for the operator.
     */
    void onFatal(Consumer<String> listener);

    /**
     * A cheap check that the store can serve now (Redis answers and still holds this store; the embedded file is
     * open). Throws
     * {@link StoreUnavailableException} if not. Health checks call it every second.
     */
    void ping();
    // ---- enrollment: what the operator's admin commands and the login keep across restarts ----

    /**
     * Forgets a user's pinned keys and prekeys (the operator's reset); their next login pins new ones. Durable on
     * return.
     */
    void dropKeys(String user);

    // ---- key transparency (PROTOCOL.md, "Key transparency"): an append-only list, never changed or trimmed ----

    /** Appends one entry (its bytes as hashed into the log) at the end of the key log. Durable on return. */
    void appendKeyLogEntry(byte[] entry);

    /** The key log's entries from index {@code from} on, oldest first. */
    List<byte[]> keyLogEntries(long from);

    /**
     * The key log's private signing key: the one stored, or {@code candidate} if none was (stored then). Every node of
     * a shared store signs with the same key.
     */
    byte[] keyLogKey(byte[] candidate);

    // ---- Signal prekeys: what other users need to start a session with a user who may be offline ----

    /** Replaces the user's registration id, signed prekey and Kyber prekey. Durable on return. */
    void putSignedPreKeys(String user, int registrationId, SignedPreKey signed, SignedPreKey kyber);

    /** The user's registration id, signed and Kyber prekeys as a bundle without identity or one-time key. */
    Optional<PreKeyBundle> signedPreKeys(String user);

    /**
     * Adds one-time prekeys to the user's stock, all or none: none if the stock would then hold more than
     * {@code max}. Returns the stock's size after, or -1 if nothing was added. Durable on return.
     */
    int addOneTimePreKeys(String user, List<OneTimePreKey> keys, int max);

    /** Takes the user's oldest one-time prekey out of the stock: each is given out once. */
    Optional<OneTimePreKey> takeOneTimePreKey(String user);

    int oneTimePreKeyCount(String user);

    /** Keeps the user's one outstanding enrollment code, replacing an earlier one. Durable on return. */
    void putInvite(String user, Invite invite);

    Optional<Invite> invite(String user);

    void deleteInvite(String user);

    /**
     * True while a first login needs an enrollment code whatever the {@code enrollment} rule: after the operator
     * began a new store with {@code --new-store} (the old pins are gone), until they reopen enrollment.
     */
    default boolean enrollmentClosed() {
        return false;
    }

    /** The operator reopens enrollment to the configured rule. Durable on return. */
    default void reopenEnrollment() {}

    /** Remembers when the user last logged in (for the operator's user list). */
    void recordLogin(String user, long atMillis);

    /** When the user last logged in, in epoch millis; empty if never. */
    OptionalLong lastLogin(String user);

    @Override
    void close();

    /**
     * Deletes what passed its retention: undelivered messages from inboxes, held messages of unanswered chat
     * requests, and history, each by the server's send time against {@code cutoffs}. Returns the messages deleted
     * undelivered, for their senders to hear of.
     */
    List<Expired> sweep(Cutoffs cutoffs);

    /**
     * Deletes every record for or from {@code user}: keys and prekeys, inbox, chat states and held messages with
     * anyone, 1:1 histories, their messages in group histories and in others' inboxes, events naming them, codes,
     * logins, and the run-time groups that list them.
     */
    void purge(String user);

    /**
     * Writes a consistent copy of the store, while it serves, as a zip of its file at {@code zipFile}. Only the
     * embedded store can: Redis is backed up with its own snapshots.
     *
     * @throws UnsupportedOperationException with one line for the operator where the store cannot
     */
    default void backup(java.nio.file.Path zipFile) {
        throw new UnsupportedOperationException("this node keeps its store in Redis, which 'admin backup' cannot"
                + " copy: back up Redis itself as README says (Backup and restore: an AOF/RDB snapshot of each"
                + " primary, the sp:epoch key, and tls/ of every node)");
    }
}
