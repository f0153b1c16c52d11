package dev.spartan.chat;

import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatAccepted;
import dev.spartan.proto.ChatDeclined;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequested;
import dev.spartan.proto.ChatState;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.store.Guard;
import dev.spartan.store.MessageStore;
import dev.spartan.store.NewMessage;
import dev.spartan.store.PairState;
import dev.spartan.store.SaveResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of conversation: who may talk to whom, in what order things happen, and what gets held or delivered.
 * Every rule is checked against the authenticated caller ({@code me}), never against a field the client fills in.
 */
public final class Conversations {
    /** Membership changes are rare and human-paced; a send that loses this many races in a row gives up. */
    private static final int GROUP_CHANGE_RETRIES = 5;

    private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final SpartanConfig config;
    private final Directory directory;
    private final MessageStore store;
    private final RecentMessages recent;
    private final InboxWatchers watchers;
    private final Clock clock;

    public Conversations(
            SpartanConfig config,
            Directory directory,
            MessageStore store,
            RecentMessages recent,
            InboxWatchers watchers,
            Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.store = Objects.requireNonNull(store, "store");
        this.recent = Objects.requireNonNull(recent, "recent");
        this.watchers = Objects.requireNonNull(watchers, "watchers");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** me asks peer for a 1:1 chat. If peer had already asked me, this accepts. */
    public ChatState request(String me, String peer) {
        requirePeer(me, peer);
        String pair = PairState.pairKey(me, peer);
        PairState state = store.pairState(pair);
        if (state.isPendingFrom(peer)) {
            return answer(me, peer, true);
        }
        ChatState.Status result = store.atomically(pair, () -> {
            PairState now = store.pairState(pair);
            if (now.status() == PairState.Status.ACCEPTED) {
                return ChatState.Status.ACCEPTED;
            }
            if (now.status() == PairState.Status.NONE) {
                store.setPairState(pair, PairState.pendingFrom(me));
                store.appendEvent(
                        peer,
                        Event.newBuilder()
                                .setChatRequested(ChatRequested.newBuilder().setFrom(me))
                                .build());
            }
            return ChatState.Status.PENDING;
        });
        if (result == ChatState.Status.PENDING) {
            watchers.inboxesGrew(List.of(peer));
        }
        return state(peer, result);
    }

    /** me answers peer's request. Accepting releases what peer sent meanwhile, in order. */
    public ChatState answer(String me, String peer, boolean accept) {
        requirePeer(me, peer);
        String pair = PairState.pairKey(me, peer);
        PublicKeys myKeys = Objects.requireNonNullElse(directory.keys().keysOf(me), PublicKeys.getDefaultInstance());
        ChatState.Status result = store.atomically(pair, () -> {
            PairState now = store.pairState(pair);
            if (now.status() == PairState.Status.ACCEPTED && accept) {
                return ChatState.Status.ACCEPTED;
            }
            if (!now.isPendingFrom(peer)) {
                throw Refusal.precondition(peer + " has not asked to chat with you");
            }
            if (!accept) {
                store.setPairState(pair, PairState.NONE);
                store.appendEvent(
                        peer,
                        Event.newBuilder()
                                .setChatDeclined(ChatDeclined.newBuilder().setBy(me))
                                .build());
                return ChatState.Status.DECLINED;
            }
            store.setPairState(pair, PairState.ACCEPTED);
            store.appendEvent(
                    peer,
                    Event.newBuilder()
                            .setChatAccepted(ChatAccepted.newBuilder().setBy(me).setKeys(myKeys))
                            .build());
            for (ChatMessage m : store.takeHeld(pair)) {
                store.appendEvent(me, Event.newBuilder().setMessage(m).build());
            }
            return ChatState.Status.ACCEPTED;
        });
        watchers.inboxesGrew(List.of(peer, me));
        return state(peer, result);
    }

    public SendAck send(String me, SendRequest request) {
        validate(request);
        return request.getTo().hasGroup() ? sendToGroup(me, request) : sendDirect(me, request);
    }

    private SendAck sendDirect(String me, SendRequest request) {
        String peer = request.getTo().getUser();
        requirePeer(me, peer);
        requireReaders(request, Set.of(me, peer), "the sender and " + peer);
        String pair = PairState.pairKey(me, peer);
        String chatKey = ChatIds.direct(me, peer);
        ChatMessage message = stamp(me, request);
        SaveResult saved =
                store.save(new NewMessage(pair, chatKey, message, List.of(peer), Guard.pair(pair, me), recent.keep()));
        if (saved.outcome() == SaveResult.Outcome.REFUSED) {
            PairState state = saved.refusedPairState();
            throw Refusal.precondition(
                    state.isPendingFrom(peer)
                            ? peer + " asked to chat with you: accept first"
                            : "you have no chat with " + peer + ": request one first");
        }
        return acknowledge(chatKey, message, saved, List.of(peer));
    }

    private SendAck sendToGroup(String me, SendRequest request) {
        String name = request.getTo().getGroup();
        String chatKey = ChatIds.group(name);
        ChatMessage message = stamp(me, request);
        // The members are read outside any lock, at a version; the store accepts the message only at that version.
        // A membership change in between refuses it, and the next round sees the change.
        for (int round = 0; round < GROUP_CHANGE_RETRIES; round++) {
            long version = store.groupVersion(name);
            Group group = requireMember(me, name);
            Set<String> readers = readers(group);
            if (!readers.equals(request.getSealed().getWrappedKeysMap().keySet())) {
                throw Refusal.precondition("the members of " + name + " changed: encrypt for "
                        + String.join(",", readers) + " and send again");
            }
            List<String> recipients =
                    readers.stream().filter(m -> !m.equals(me)).toList();
            SaveResult saved = store.save(
                    new NewMessage(chatKey, chatKey, message, recipients, Guard.groupAt(name, version), recent.keep()));
            if (saved.outcome() != SaveResult.Outcome.REFUSED) {
                return acknowledge(chatKey, message, saved, recipients);
            }
        }
        throw Refusal.conflict("the members of " + name + " keep changing: send again");
    }

    private SendAck acknowledge(String chatKey, ChatMessage message, SaveResult saved, List<String> recipients) {
        SendAck.Builder ack =
                SendAck.newBuilder().setMessageId(message.getMessageId()).setChatSeq(saved.chatSeq());
        ChatMessage stored = message.toBuilder().setChatSeq(saved.chatSeq()).build();
        recent.added(chatKey, stored); // for a duplicate, a no-op unless the first attempt failed after storing
        if (saved.outcome() == SaveResult.Outcome.DUPLICATE) {
            // The first attempt may have stored the message and then failed before anyone was told (its reply
            // timed out, say): tell the recipients' streams to look, so it cannot sit unseen in their inboxes.
            watchers.inboxesGrew(recipients);
            return ack.setDuplicate(true).build();
        }
        if (saved.outcome() == SaveResult.Outcome.DELIVERED) {
            // The events exactly as the store now holds them, so that streams here need not read them back.
            Map<String, Event> events = new HashMap<>();
            for (int i = 0; i < recipients.size(); i++) {
                events.put(
                        recipients.get(i),
                        Event.newBuilder()
                                .setSeq(saved.inboxSeqs().get(i))
                                .setMessage(stored)
                                .build());
            }
            watchers.eventsStored(events);
        }
        return ack.setHeld(saved.outcome() == SaveResult.Outcome.HELD).build();
    }

    /**
     * Recent messages of a conversation that the caller has already seen: messages still on their way to the caller
     * (unacknowledged in the inbox, or held before an accept) arrive as new messages instead, never twice.
     */
    public List<ChatMessage> history(String me, ChatRef chat) {
        String chatKey;
        Set<String> notYetSeen = new HashSet<>();
        if (chat.hasGroup()) {
            requireMember(me, chat.getGroup());
            chatKey = ChatIds.group(chat.getGroup());
        } else {
            requirePeer(me, chat.getUser());
            String pair = PairState.pairKey(me, chat.getUser());
            PairState state = store.pairState(pair);
            if (state.status() != PairState.Status.ACCEPTED && !state.isPendingFrom(me)) {
                throw Refusal.precondition("you have no open chat with " + chat.getUser());
            }
            chatKey = ChatIds.direct(me, chat.getUser());
            store.held(pair).forEach(m -> notYetSeen.add(seenKey(m)));
        }
        for (Event e : store.eventsAfter(me, store.lastAcked(me), Integer.MAX_VALUE)) {
            if (e.hasMessage()) {
                notYetSeen.add(seenKey(e.getMessage()));
            }
        }
        List<ChatMessage> out = new ArrayList<>();
        for (ChatMessage m : recent.get(chatKey)) {
            if (m.getSender().equals(me) || !notYetSeen.contains(seenKey(m))) {
                out.add(m);
            }
        }
        return out;
    }

    private static String seenKey(ChatMessage m) {
        return m.getSender() + "/" + m.getMessageId();
    }

    /**
     * The members who can read a group message: those with keys. A member who has never logged in has no keys, so
     * nothing sent before their first login can be encrypted for them (there are no prekeys; see PROTOCOL.md).
     */
    private Set<String> readers(Group group) {
        Set<String> readers = new java.util.LinkedHashSet<>();
        for (String member : group.getMembersList()) {
            if (directory.keys().keysOf(member) != null) {
                readers.add(member);
            }
        }
        return readers;
    }

    private ChatState state(String peer, ChatState.Status status) {
        ChatState.Builder b = ChatState.newBuilder().setPeer(peer).setStatus(status);
        PublicKeys keys = directory.keys().keysOf(peer);
        if (keys != null) {
            b.setPeerKeys(keys);
        }
        return b.build();
    }

    /** The message as stored and delivered, but for its chat_seq, which the store assigns. */
    private ChatMessage stamp(String me, SendRequest request) {
        return ChatMessage.newBuilder()
                .setMessageId(request.getMessageId())
                .setSender(me)
                .setChat(request.getTo())
                .setSentAtMillis(clock.millis())
                .setSealed(request.getSealed())
                .build();
    }

    private void validate(SendRequest request) {
        if (!MESSAGE_ID.matcher(request.getMessageId()).matches()) {
            throw Refusal.invalid("message_id must be 1-64 characters of A-Z a-z 0-9 _ - (a UUID is fine)");
        }
        if (request.getTo().getTargetCase() == ChatRef.TargetCase.TARGET_NOT_SET) {
            throw Refusal.invalid("'to' must name a user or a group");
        }
        if (request.getSealed().getBody().isEmpty()) {
            throw Refusal.invalid("the message is empty");
        }
        int size = request.getSealed().getBody().size();
        if (size > config.maxMessageBytes()) {
            throw Refusal.invalid(
                    "the message is " + size + " bytes encrypted; the limit is " + config.maxMessageBytes() + " bytes");
        }
        if (request.getSealed().getSalt().size() != 32) {
            throw Refusal.invalid("sealed.salt must be 32 bytes");
        }
    }

    private static void requireReaders(SendRequest request, Set<String> expected, String who) {
        if (!request.getSealed().getWrappedKeysMap().keySet().equals(expected)) {
            throw Refusal.invalid("a 1:1 message must carry wrapped keys for exactly " + who);
        }
    }

    private void requirePeer(String me, String peer) {
        if (peer.isEmpty()) {
            throw Refusal.invalid("name a user to chat with");
        }
        if (peer.equals(me)) {
            throw Refusal.invalid("you cannot chat with yourself");
        }
        if (!directory.isUser(peer)) {
            throw Refusal.notFound("there is no user '" + peer + "'");
        }
    }

    Group requireMember(String me, String groupName) {
        Group group =
                directory.group(groupName).orElseThrow(() -> Refusal.notFound("there is no group '" + groupName + "'"));
        if (!group.getMembersList().contains(me)) {
            throw Refusal.denied("you are not a member of " + groupName);
        }
        return group;
    }
}
