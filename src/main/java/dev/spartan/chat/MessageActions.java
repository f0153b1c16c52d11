package dev.spartan.chat;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.DeleteMessagesRequest;
import dev.spartan.store.MessageStore;
import dev.spartan.store.PairState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What the server does for message actions (issue 26), which otherwise travel end-to-end encrypted as ordinary
 * messages: a delete for everyone drops what the store still holds of the caller's own messages, and a typing
 * indicator goes to the chat's other members who are online, never stored.
 */
public final class MessageActions {
    /** Most message ids one DeleteMessages names. */
    static final int MAX_IDS = 100;
    /** One typing indicator per caller and chat in this time; more are dropped. */
    static final long TYPING_EVERY_MILLIS = 3_000;

    private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Conversations conversations;
    private final Directory directory;
    private final MessageStore store;
    private final Retention retention;
    private final Clock clock;
    private final Map<String, Long> lastTyping = new ConcurrentHashMap<>();

    public MessageActions(
            Conversations conversations, Directory directory, MessageStore store, Retention retention, Clock clock) {
        this.conversations = Objects.requireNonNull(conversations, "conversations");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.retention = Objects.requireNonNull(retention, "retention");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Deletes the caller's messages from every inbox, hold and history of the store. A message the conversation's
     * history shows was sent by someone else is refused (PERMISSION_DENIED), and nothing is deleted; one the server
     * no longer holds is simply not there.
     */
    public void delete(String me, DeleteMessagesRequest request) {
        Set<String> ids = new LinkedHashSet<>(request.getMessageIdsList());
        if (ids.isEmpty() || ids.size() > MAX_IDS) {
            throw Refusal.invalid("name 1 to " + MAX_IDS + " message ids to delete");
        }
        for (String id : ids) {
            if (!MESSAGE_ID.matcher(id).matches()) {
                throw Refusal.invalid("message ids are 1-64 characters of A-Z a-z 0-9 _ -");
            }
        }
        String chatKey = chatKey(me, request.getChat());
        for (ChatMessage m : store.history(chatKey, 0, directory.limits().historyKept())) {
            if (ids.contains(m.getMessageId()) && !m.getSender().equals(me)) {
                throw Refusal.denied("message " + m.getMessageId() + " was sent by " + m.getSender()
                        + ": you can delete only your own messages");
            }
        }
        retention.delete(me, ids);
    }

    /**
     * The readers of a typing indicator from {@code me} in {@code chat}: the peer, or the group's other members.
     * Empty if one came from this caller for this chat less than {@link #TYPING_EVERY_MILLIS} ago.
     */
    public List<String> typingReaders(String me, ChatRef chat) {
        List<String> readers = new ArrayList<>();
        if (chat.hasGroup()) {
            conversations.requireMember(me, chat.getGroup()).group().getMembersList().stream()
                    .filter(m -> !m.equals(me))
                    .forEach(readers::add);
        } else {
            chatKey(me, chat);
            if (store.pairState(PairState.pairKey(me, chat.getUser())).status() != PairState.Status.ACCEPTED) {
                throw Refusal.precondition("you have no chat with " + chat.getUser() + ": request one first");
            }
            readers.add(chat.getUser());
        }
        long now = clock.millis();
        String key = me + "\0" + ChatIds.cryptoLabel(chat);
        Long last = lastTyping.get(key);
        if (last != null && now - last < TYPING_EVERY_MILLIS) {
            return List.of();
        }
        lastTyping.put(key, now);
        if (lastTyping.size() > 100_000) {
            lastTyping.clear(); // a bound, not a policy: the limit starts over
        }
        return readers;
    }

    private String chatKey(String me, ChatRef chat) {
        if (chat.hasGroup()) {
            return conversations.requireMember(me, chat.getGroup()).chatKey();
        }
        String peer = chat.getUser();
        if (peer.isEmpty() || peer.equals(me) || !directory.isUser(peer)) {
            throw Refusal.invalid("name a user you chat with, or a group you are in");
        }
        return ChatIds.direct(me, peer);
    }
}
