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
 * events not yet acknowledged, and groups made at run time. The embedded implementation is for one node; the Redis
 * one lets several nodes share it.
 *
 * <p>Single operations are atomic. Compound ones (a send: dedupe, sequence, history, fan-out) run inside
 * {@link #atomically}, which serializes all work under the same key across every node that shares the store.
 * When {@code atomically} returns, what it wrote is durable: the caller may acknowledge it.
 */
public interface MessageStore extends AutoCloseable {

    <T> T atomically(String lockKey, Supplier<T> work);

    Optional<PublicKeys> keys(String user);

    /** Pins the keys of a user's first login; returns what is pinned, which may differ from {@code keys}. */
    PublicKeys pinKeys(String user, PublicKeys keys);

    PairState pairState(String pairKey);

    void setPairState(String pairKey, PairState state);

    void hold(String pairKey, ChatMessage message);

    /** Removes and returns the held messages of a pair, oldest first. */
    List<ChatMessage> takeHeld(String pairKey);

    List<ChatMessage> held(String pairKey);

    long nextChatSeq(String chatKey);

    /** Appends to a conversation's recent history, keeping only the newest {@code keep}. */
    void appendHistory(String chatKey, ChatMessage message, int keep);

    List<ChatMessage> history(String chatKey);

    /** Sequence number a sender's message id got when it was first accepted, if it was. */
    OptionalLong sentBefore(String sender, String messageId);

    void rememberSent(String sender, String messageId, long chatSeq);

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

    @Override
    void close();
}
