package dev.spartan.chat;

import dev.spartan.config.Limits;
import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.Addresses;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatAccepted;
import dev.spartan.proto.ChatDeclined;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequested;
import dev.spartan.proto.ChatState;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.store.Guard;
import dev.spartan.store.HoldLimit;
import dev.spartan.store.MessageStore;
import dev.spartan.store.NewMessage;
import dev.spartan.store.PairState;
import dev.spartan.store.SaveResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The rules of conversation: who may talk to whom, in what order things happen, and what gets held or delivered.
 * Every rule is checked against the authenticated caller ({@code me}), never against a field the client fills in.
 */
public final class Conversations {
    /** Membership changes are rare and human-paced; a send that loses this many races in a row gives up. */
    private static final int GROUP_CHANGE_RETRIES = 5;
    // libsignal's CiphertextMessage types, the only ones a reader can open (PROTOCOL.md, Envelope).
    private static final int WHISPER_TYPE = 2;
    private static final int PREKEY_TYPE = 3;

    private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final SpartanConfig config;
    private final Directory directory;
    private final MessageStore store;
    private final RecentMessages recent;
    private final InboxWatchers watchers;
    private final Clock clock;
    private final DeviceAddresses devices;
    private volatile java.util.function.LongConsumer expiring = at -> {};

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
        this.devices = new DeviceAddresses(store);
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
                devices.appendToAll(
                        store,
                        peer,
                        Event.newBuilder()
                                .setChatRequested(ChatRequested.newBuilder().setFrom(me))
                                .build());
            }
            return ChatState.Status.PENDING;
        });
        if (result == ChatState.Status.PENDING) {
            watchers.inboxesGrew(devices.of(peer));
        }
        return state(peer, result);
    }

    /**
     * me answers peer's request. Accepting releases what peer sent meanwhile, in order; declining drops it, and peer
     * hears which messages were dropped.
     */
    public ChatState answer(String me, String peer, boolean accept) {
        requirePeer(me, peer);
        String pair = PairState.pairKey(me, peer);
        PublicKeys myKeys = Objects.requireNonNullElse(directory.keys().keysOf(me), PublicKeys.getDefaultInstance());
        boolean[] dropped = {false};
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
                List<ChatMessage> gone = store.dropHeld(pair);
                dropped[0] = !gone.isEmpty();
                devices.appendToAll(
                        store,
                        peer,
                        Event.newBuilder()
                                .setChatDeclined(ChatDeclined.newBuilder()
                                        .setBy(me)
                                        .addAllDroppedMessageIds(gone.stream()
                                                .map(ChatMessage::getMessageId)
                                                .toList()))
                                .build());
                return ChatState.Status.DECLINED;
            }
            store.setPairState(pair, PairState.ACCEPTED);
            devices.appendToAll(
                    store,
                    peer,
                    Event.newBuilder()
                            .setChatAccepted(ChatAccepted.newBuilder().setBy(me).setKeys(myKeys))
                            .build());
            store.releaseHeld(pair, me);
            return ChatState.Status.ACCEPTED;
        });
        if (dropped[0]) {
            recent.removed(ChatIds.direct(me, peer));
        }
        watchers.inboxesGrew(devices.ofAll(List.of(peer, me)));
        return state(peer, result);
    }

    /** Sends one message and returns once it is durable (or throws the {@link Refusal} that keeps it out). */
    public SendAck send(String sender, SendRequest request) {
        try {
            return sendAsync(sender, request).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Sends one message: its writes are made before this returns, so calls made one after another are stored in
     * that order; the answer completes once they are durable (or fails with the {@link Refusal} that keeps the
     * message out). A request that breaks a rule may also throw at once.
     *
     * @param sender the sending device's address (PROTOCOL.md, "Devices"): its user is the sender
     */
    public CompletableFuture<SendAck> sendAsync(String sender, SendRequest request) {
        validate(request);
        return request.getTo().hasGroup() ? sendToGroup(sender, request, 0) : sendDirect(sender, request);
    }

    private CompletableFuture<SendAck> sendDirect(String sender, SendRequest request) {
        String me = Addresses.userOf(sender);
        String peer = request.getTo().getUser();
        requirePeer(me, peer);
        requireReaders(request, me, peer);
        List<String> recipients = exactDevices(request, sender, Set.of(peer));
        String pair = PairState.pairKey(me, peer);
        String chatKey = ChatIds.direct(me, peer);
        ChatMessage message = stamp(sender, request);
        HoldLimit holdLimit = new HoldLimit(
                directory.limits().heldMessages(), directory.limits().heldBytes()); // a SIGHUP may change it
        return store.saveAsync(new NewMessage(
                        pair, chatKey, message, recipients, Guard.pair(pair, me), keptHistory(), holdLimit))
                .thenApply(saved -> {
                    if (saved.outcome() == SaveResult.Outcome.HOLD_FULL) {
                        throw Refusal.exhausted(peer + " has not accepted your chat request yet, and "
                                + holdLimit.messages() + " messages (or " + holdLimit.bytes()
                                + " bytes) already wait for that: wait until " + peer + " accepts");
                    }
                    if (saved.outcome() == SaveResult.Outcome.REFUSED) {
                        PairState state = saved.refusedPairState();
                        throw Refusal.precondition(
                                state.isPendingFrom(peer)
                                        ? peer + " asked to chat with you: accept first"
                                        : "you have no chat with " + peer + ": request one first");
                    }
                    return acknowledge(chatKey, message, saved, recipients);
                });
    }

    /**
     * The members are read outside any lock, at a version; the store accepts the message only at that version. A
     * membership change in between refuses it, and the next round sees the change. A refused save wrote nothing,
     * so the store answers it at once and the next round runs before any later send.
     */
    private CompletableFuture<SendAck> sendToGroup(String sender, SendRequest request, int round) {
        if (round >= GROUP_CHANGE_RETRIES) {
            throw Refusal.conflict("the members of " + request.getTo().getGroup() + " keep changing: send again");
        }
        String me = Addresses.userOf(sender);
        String name = request.getTo().getGroup();
        ChatMessage message = stamp(sender, request);
        long version = store.groupVersion(name);
        Directory.GroupChat chat = requireMember(me, name);
        Set<String> readers = readers(chat.group());
        readers.remove(me);
        if (!readers.equals(addressedUsers(request, me))) {
            throw Refusal.retryAs(
                    Refusal.Kind.PRECONDITION,
                    "the members of " + name + " changed: encrypt for "
                            + (readers.isEmpty() ? "no one (no other member has joined)" : String.join(",", readers))
                            + " and send again");
        }
        Set<String> readable = new java.util.HashSet<>(readers);
        request.getSealed().getUnreadableList().forEach(readable::remove);
        List<String> recipients = exactDevices(request, sender, readable);
        return store.saveAsync(new NewMessage(
                        ChatIds.group(name),
                        chat.chatKey(),
                        message,
                        recipients,
                        Guard.groupAt(name, version),
                        keptHistory(),
                        HoldLimit.NONE))
                .thenCompose(saved -> saved.outcome() == SaveResult.Outcome.REFUSED
                        ? sendToGroup(sender, request, round + 1)
                        : CompletableFuture.completedFuture(acknowledge(chat.chatKey(), message, saved, recipients)));
    }

    private int keptHistory() {
        return directory.limits().historyKept();
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

    /** One answer of {@link #history}: messages oldest first, and where the page before it ends (0: none). */
    public record HistoryPage(List<ChatMessage> messages, long nextBeforeSeq) {}

    /**
     * One page of the messages of a conversation the caller has acknowledged (or sent), oldest first: the newest up
     * to {@code limit} (0:
     * {@code max_num_messages_per_user}; at most {@code limits.history_page}) with chat_seq below {@code beforeSeq}
     * (0: the newest), and at most {@link Limits#HISTORY_PAGE_BYTES} in all. Messages still on their way to the
     * caller (unacknowledged in the inbox, or held before an accept) arrive there instead, never twice. The cost is
     * the page's, whatever the caller's inbox holds.
     */
    public HistoryPage history(String reader, ChatRef chat, long beforeSeq, long limit) {
        String me = Addresses.userOf(reader);
        String chatKey;
        if (chat.hasGroup()) {
            chatKey = requireMember(me, chat.getGroup()).chatKey();
        } else {
            requirePeer(me, chat.getUser());
            PairState state = store.pairState(PairState.pairKey(me, chat.getUser()));
            if (state.status() != PairState.Status.ACCEPTED && !state.isPendingFrom(me)) {
                throw Refusal.precondition("you have no open chat with " + chat.getUser());
            }
            chatKey = ChatIds.direct(me, chat.getUser());
        }
        if (beforeSeq < 0 || limit < 0) {
            throw Refusal.invalid("before_seq and limit must be below 2^63");
        }
        int want = (int)
                Math.min(limit == 0 ? recent.keep() : limit, directory.limits().historyPage());
        List<ChatMessage> window;
        if (beforeSeq == 0 && want <= recent.keep()) {
            List<ChatMessage> cached = recent.get(chatKey);
            window = cached.subList(Math.max(0, cached.size() - want), cached.size());
        } else {
            window = store.history(chatKey, beforeSeq, want);
        }
        long seen = store.acknowledgedChatSeq(reader, chatKey);
        // A linked device lists, without any ciphertext, what came before it and device 1 read: its text is in the
        // log its link brought (PROTOCOL.md, "Devices").
        long seenBefore = reader.equals(me) ? 0 : store.acknowledgedChatSeq(me, chatKey);
        List<ChatMessage> out = new ArrayList<>();
        long bytes = 0;
        long oldest = 0;
        boolean full = window.size() == want;
        for (int i = window.size() - 1; i >= 0; i--) {
            ChatMessage m = window.get(i);
            bytes += m.getSerializedSize();
            if (bytes > Limits.HISTORY_PAGE_BYTES && oldest != 0) {
                full = true;
                break;
            }
            oldest = m.getChatSeq();
            boolean mine = m.getSender().equals(me);
            if (mine) {
                out.add(m);
            } else if (m.getChatSeq() <= seen && SenderKeyMessages.readBy(m, reader)) {
                out.add(ReaderCopy.of(m, reader));
            } else if (m.getChatSeq() <= seenBefore && !SenderKeyMessages.readBy(m, reader)) {
                out.add(ReaderCopy.of(m, reader));
            }
        }
        Collections.reverse(out);
        return new HistoryPage(out, full && oldest > 1 ? oldest : 0);
    }

    /**
     * The members a group message is for: those who joined and have keys. A member who has never logged in has no
     * identity key and no prekeys, so nothing can be encrypted for them yet; an invited member reads nothing until
     * they join (PROTOCOL.md, Groups).
     */
    private Set<String> readers(Group group) {
        Set<String> readers = new java.util.LinkedHashSet<>();
        Set<String> invited = new java.util.HashSet<>();
        group.getInvitedList().forEach(i -> invited.add(i.getUser()));
        for (String member : group.getMembersList()) {
            if (!invited.contains(member) && directory.keys().keysOf(member) != null) {
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
    private ChatMessage stamp(String sender, SendRequest request) {
        long now = clock.millis();
        ChatMessage.Builder m = ChatMessage.newBuilder()
                .setMessageId(request.getMessageId())
                .setSender(Addresses.userOf(sender))
                .setSenderDevice(Addresses.deviceOf(sender) > 1 ? Addresses.deviceOf(sender) : 0) // 0: device 1
                .setChat(request.getTo())
                .setSentAtMillis(now)
                .setSealed(SenderKeyMessages.stored(request.getSealed()));
        Disappearing.stamp(m, request.getExpireAfterSeconds(), expiring);
        return m.build();
    }

    /** Where the time a disappearing message must be gone is told (the retention sweep schedules itself). */
    public void onExpiring(java.util.function.LongConsumer expiring) {
        this.expiring = Objects.requireNonNull(expiring, "expiring");
    }

    private void validate(SendRequest request) {
        Disappearing.validate(request.getExpireAfterSeconds());
        if (!MESSAGE_ID.matcher(request.getMessageId()).matches()) {
            throw Refusal.invalid("message_id must be 1-64 characters of A-Z a-z 0-9 _ - (a UUID is fine)");
        }
        if (request.getTo().getTargetCase() == ChatRef.TargetCase.TARGET_NOT_SET) {
            throw Refusal.invalid("'to' must name a user or a group");
        }
        for (Map.Entry<String, Ciphertext> c :
                request.getSealed().getCiphertextsMap().entrySet()) {
            int type = c.getValue().getType();
            if (type != PREKEY_TYPE && type != WHISPER_TYPE) {
                throw Refusal.invalid("the ciphertext for " + c.getKey() + " has type " + type + ": expected "
                        + PREKEY_TYPE + " (PreKeySignalMessage) or " + WHISPER_TYPE + " (SignalMessage)");
            }
            if (c.getValue().getBody().isEmpty()) {
                throw Refusal.invalid("the ciphertext for " + c.getKey() + " is empty");
            }
        }
        SenderKeyMessages.validate(request, config.maxMessageBytes());
    }

    /** A 1:1 message is for the peer's devices and the sender's other devices only, and names nobody unreadable. */
    private static void requireReaders(SendRequest request, String me, String peer) {
        boolean others = request.getSealed().getCiphertextsMap().keySet().stream()
                .map(Addresses::userOf)
                .anyMatch(u -> !u.equals(peer) && !u.equals(me));
        if (others || request.getSealed().getUnreadableCount() > 0) {
            throw Refusal.invalid("a 1:1 message must carry one ciphertext for each device of " + peer
                    + " (and of your other devices), for nobody else");
        }
    }

    /**
     * Checks that the message carries a ciphertext for exactly every device of {@code readers} and every other device
     * of the sender (its sent transcript), and returns those addresses; a stale set is refused with the current one
     * (PROTOCOL.md, "Devices"), which the client encrypts for and sends again under the same message id.
     */
    private List<String> exactDevices(SendRequest request, String sender, Set<String> readers) {
        Set<String> expected = devices.readersOf(readers);
        expected.addAll(devices.readersOf(List.of(Addresses.userOf(sender))));
        expected.remove(sender);
        Set<String> given = SenderKeyMessages.addressed(request.getSealed()); // ciphertexts and key holders
        if (given.contains(sender)) {
            throw Refusal.invalid("the message carries a ciphertext for the device that sends it: a ciphertext is"
                    + " for a reader, not for the sender");
        }
        if (!given.equals(expected)) {
            List<String> missing =
                    expected.stream().filter(a -> !given.contains(a)).sorted().toList();
            List<String> extra =
                    given.stream().filter(a -> !expected.contains(a)).sorted().toList();
            throw Refusal.mismatchedDevices(
                    dev.spartan.proto.MismatchedDevices.newBuilder()
                            .addAllMissing(missing)
                            .addAllExtra(extra)
                            .build(),
                    "the devices of this message are not the readers' devices now: "
                            + Stream.of(
                                            missing.isEmpty() ? "" : "encrypt for " + String.join(",", missing),
                                            extra.isEmpty() ? "" : "leave out " + String.join(",", extra))
                                    .filter(part -> !part.isEmpty())
                                    .collect(Collectors.joining(" and "))
                            + ", and send again with the same message_id");
        }
        return List.copyOf(expected);
    }

    /**
     * Everyone the sender accounted for: a ciphertext each, or named unreadable. One name in both, or twice, is not
     * an account of anyone, so it leaves the set short and the message is refused.
     */
    private static Set<String> addressedUsers(SendRequest request, String me) {
        Set<String> names = new java.util.HashSet<>();
        SenderKeyMessages.addressed(request.getSealed()).forEach(a -> names.add(Addresses.userOf(a)));
        names.remove(me); // the sender's own other devices: its sent transcript, checked by exactDevices
        for (String u : request.getSealed().getUnreadableList()) {
            if (!names.add(u)) {
                return Set.of();
            }
        }
        return names;
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

    Directory.GroupChat requireMember(String me, String groupName) {
        Directory.GroupChat chat = directory
                .groupChat(groupName)
                .orElseThrow(() -> Refusal.notFound("there is no group '" + groupName + "'"));
        if (!chat.group().getMembersList().contains(me)) {
            throw Refusal.denied("you are not a member of " + groupName);
        }
        if (chat.group().getInvitedList().stream().anyMatch(i -> i.getUser().equals(me))) {
            throw Refusal.denied("you are invited to " + groupName + " and have not joined it: join it first");
        }
        return chat;
    }
}
