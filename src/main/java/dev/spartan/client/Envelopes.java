package dev.spartan.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.contract.Addresses;
import dev.spartan.crypto.Ratchet;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Group;
import dev.spartan.proto.Plaintext;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Sealing outgoing and opening incoming messages for one user over the Double Ratchet: who the readers are, a
 * session with each (started from their prekey bundle), and what to tell the user when a message does not check out.
 */
final class Envelopes {
    /**
     * A decrypted message and its sender's counter in the conversation.
     *
     * @param from the sending device's address: each device numbers its own messages
     */
    record Opened(Incoming message, long counter, String from) {}

    private final String user;
    private final String address;
    private final DeviceLists devices;
    private final Ratchet ratchet;
    private final KeyBook keys;
    private final Counters counters;
    private final Function<String, Optional<PreKeyBundle>> bundles;
    private final Consumer<String> notice;
    private final ContentChecks checks;
    private final GroupSealer groupSealer;
    /**
     * Held by a receive batch from its first decryption to its sync: a session or counter is shared by both
     * directions, so a send's sync meanwhile would make the batch's state durable before its messages are shown.
     */
    private final java.util.concurrent.locks.ReentrantLock receiveBatch =
            new java.util.concurrent.locks.ReentrantLock();

    /**
     * What a client adds to each plaintext it seals and checks in each it opens, beyond the text: the group view
     * and the key log head (see {@link GroupViewCheck}, {@link KeyLogBook}).
     */
    interface ContentChecks {
        /** Adds to an outgoing plaintext; {@code group} is the verified group of a group message, else null. */
        void stamp(Plaintext.Builder content, Group group);

        /** False if a decrypted message must not be shown (the user was told why). */
        boolean admit(ChatMessage m, Plaintext content);
    }

    Envelopes(
            String address,
            DeviceLists devices,
            Ratchet ratchet,
            KeyBook keys,
            Counters counters,
            Function<String, Optional<PreKeyBundle>> bundles,
            Consumer<String> notice,
            ContentChecks checks,
            GroupSealer groupSealer) {
        this.groupSealer = Objects.requireNonNull(groupSealer, "groupSealer");
        this.checks = Objects.requireNonNull(checks, "checks");
        this.address = Objects.requireNonNull(address, "address");
        this.user = Addresses.userOf(address);
        this.devices = Objects.requireNonNull(devices, "devices");
        this.ratchet = Objects.requireNonNull(ratchet, "ratchet");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.bundles = Objects.requireNonNull(bundles, "bundles");
        this.notice = Objects.requireNonNull(notice, "notice");
    }

    /**
     * Seals a queued message for its readers: the peer, or every member of {@code group} who has keys, each over
     * their own session. A group member whose keys cannot be used is named unreadable and told about; the others
     * still get the message.
     *
     * @throws Outbox.NotReady if the peer of a 1:1 chat has no usable or trusted key
     */
    SendRequest seal(Outbox.Pending p, Group group) throws Outbox.NotReady {
        SendRequest request = sealUnsynced(p, group);
        sync();
        return request;
    }

    /**
     * As {@link #seal}, but the sessions and counters it advanced are written only by the next {@link #sync}, which
     * must come before the request leaves this process: a batch of messages then costs one sync, not one each.
     */
    SendRequest sealUnsynced(Outbox.Pending p, Group group) throws Outbox.NotReady {
        List<String> readers = new ArrayList<>();
        Sealed.Builder sealed = Sealed.newBuilder();
        String conversation;
        if (p.to().hasGroup()) {
            if (group == null) {
                throw new StatusRuntimeException(
                        Status.PERMISSION_DENIED.withDescription("you are not a member of " + p.to().getGroup()));
            }
            conversation = "#" + group.getName();
            java.util.Set<String> invited = new java.util.HashSet<>();
            group.getInvitedList().forEach(i -> invited.add(i.getUser()));
            for (String member : group.getMembersList()) {
                if (member.equals(user) || invited.contains(member)) {
                    continue; // an invited member reads nothing until they join
                }
                // A member who has never logged in has no keys and cannot be a reader; the server expects exactly
                // the members with keys (see PROTOCOL.md, Groups).
                Optional<?> k = keys.trusted(member); // may fetch, and so notice a changed key
                if (keys.hasChanged(member)) {
                    unreadable(sealed, group, member, member + "'s key changed (see /verify " + member + ")");
                } else if (k.isPresent()) {
                    readers.add(member);
                }
            }
        } else {
            String peer = p.to().getUser();
            conversation = "@" + peer;
            if (keys.trusted(peer).isEmpty()) {
                throw new Outbox.NotReady(
                        keys.hasChanged(peer)
                                ? "Messages to " + peer + " are on hold: their key changed (see /verify " + peer + ")."
                                : peer + " has not logged in yet, so has no keys: your messages wait here until " + peer
                                        + " accepts.");
            }
            readers.add(peer);
        }
        // Every device of every reader, and this account's other devices: the sent transcript (PROTOCOL.md, Devices).
        List<String> addresses = new ArrayList<>();
        for (String reader : readers) {
            addresses.addAll(devices.of(reader));
        }
        devices.of(user).stream().filter(a -> !a.equals(address)).forEach(addresses::add);
        // A file's pointer, an action or a reply travel inside the text of an outbox entry, as they were queued.
        Plaintext.Builder content = FileMessages.decode(p.text())
                .map(file -> Plaintext.newBuilder().setAttachment(file))
                .orElseGet(() -> Contents.plaintext(p.text()));
        content.setCounter(counters.outgoingUnsynced(p.messageId(), conversation))
                .setMessageId(p.messageId())
                .setChat(p.to());
        checks.stamp(content, p.to().hasGroup() ? group : null);
        // A group message is encrypted once under this device's sender key; only the readers that do not hold the
        // key yet get something pairwise: a key carrier (PROTOCOL.md, "The envelope", sender-key path).
        GroupSealer.Plan plan = p.to().hasGroup()
                ? groupSealer.plan(p.messageId(), group.getName(), SenderKeyCarriers.view(content, readers), addresses)
                : null;
        byte[] plain = plan == null
                ? content.build().toByteArray()
                : SenderKeyCarriers.carrier(p.messageId(), p.to(), plan.distribution());
        java.util.Set<String> failed = new java.util.HashSet<>();
        java.util.Map<String, PreKeyBundle> fetched = new java.util.HashMap<>();
        for (String reader : plan == null ? addresses : plan.needers()) {
            String who = Addresses.userOf(reader);
            if (failed.contains(who)) {
                continue;
            }
            if (Addresses.deviceOf(reader) > 1 && !ratchet.hasSession(reader)) {
                Optional<PreKeyBundle> bundle = bundles.apply(reader);
                if (bundle.isEmpty()) {
                    continue; // linked, prekeys not up yet: not a reader until they are (the server agrees)
                }
                fetched.put(reader, bundle.get());
            }
            try {
                Ratchet.Sealed s = encrypt(reader, plain, fetched.get(reader));
                sealed.putCiphertexts(
                        reader,
                        Ciphertext.newBuilder()
                                .setType(s.type())
                                .setBody(ByteString.copyFrom(s.body()))
                                .build());
            } catch (Ratchet.RatchetException e) {
                if (!p.to().hasGroup() || who.equals(user)) {
                    throw new Outbox.NotReady("Messages to " + who + " are on hold: " + e.getMessage() + ".");
                }
                failed.add(who);
                unreadable(sealed, group, who, e.getMessage());
                addresses.stream()
                        .filter(a -> Addresses.userOf(a).equals(who))
                        .forEach(sealed::removeCiphertexts); // a member reads on all devices or on none
            }
        }
        if (plan != null) {
            SenderKeyCarriers.seal(sealed, content, plan, failed, groupSealer);
            groupSealer.gave(p.messageId(), plan, sealed.getCiphertextsMap().keySet());
        }
        return SendRequest.newBuilder()
                .setMessageId(p.messageId())
                .setTo(p.to())
                .setSealed(sealed)
                .setExpireAfterSeconds(Contents.expireAfter(p.text()))
                .build();
    }

    /** Writes what {@link #sealUnsynced} and {@link #open} left in memory (after a receive batch's sync). */
    void sync() {
        receiveBatch.lock();
        try {
            // the sessions, the sender keys, the counters and sent_numbers go in one journal frame, one sync
            ratchet.stage();
            groupSealer.stage();
            counters.sync(); // the one fdatasync
            groupSealer.sync(); // its journal part is written: only who holds which key (own file, rarely changed)
        } finally {
            receiveBatch.unlock();
        }
    }

    /** A receive batch begins on this thread: no other thread's sync until {@link #receiveBatchEnded}. */
    void receiveBatchBegun() {
        if (!receiveBatch.isHeldByCurrentThread()) {
            receiveBatch.lock();
        }
    }

    /** The receive batch was synced (or failed): others may sync again. */
    void receiveBatchEnded() {
        while (receiveBatch.isHeldByCurrentThread()) {
            receiveBatch.unlock();
        }
    }

    private void unreadable(Sealed.Builder sealed, Group group, String member, String why) {
        sealed.addUnreadable(member);
        notice.accept("WARNING: " + member + " cannot read your messages in " + group.getName() + ": " + why + ".");
    }

    /** Encrypts over the session with {@code peer}, starting one from their prekey bundle if there is none. */
    private Ratchet.Sealed encrypt(String peer, byte[] plain, PreKeyBundle fetched) throws Ratchet.RatchetException {
        if (!ratchet.hasSession(peer)) {
            PreKeyBundle bundle = Optional.ofNullable(fetched)
                    .or(() -> bundles.apply(peer))
                    .orElseThrow(() -> new Ratchet.RatchetException(
                            Ratchet.Fault.INVALID_KEY, peer + " has no prekeys on the server yet", null));
            try {
                ratchet.start(peer, bundle);
            } catch (Ratchet.RatchetException e) {
                if (e.fault() != Ratchet.Fault.UNTRUSTED) {
                    throw e;
                }
                // The bundle's identity is not the pinned one: ask for the peer's keys, so the user is told the key
                // changed and how to check it, as for any key change.
                String who = Addresses.userOf(peer);
                keys.refresh(who);
                throw new Ratchet.RatchetException(
                        Ratchet.Fault.UNTRUSTED, who + "'s key changed (see /verify " + who + ")", e);
            }
        }
        return ratchet.encryptUnsynced(peer, plain);
    }

    /**
     * Decrypts one message from the push stream; empty if it is a replay (dropped without a word) or does not
     * decrypt or check out (the user is warned). The session's new state waits in memory for {@link #sync}, which
     * must come before the message is shown or acknowledged.
     */
    Optional<Opened> open(ChatMessage m) {
        String sender = m.getSender();
        String from = Addresses.of(sender, Math.max(1, m.getSenderDevice()));
        Ciphertext mine = m.getSealed().getCiphertextsMap().get(address);
        if (from.equals(address)) {
            return Optional.empty(); // the sending device is never a reader of its own message
        }
        // Sender keys are for groups only (PROTOCOL.md): on a 1:1 message the field is not ours to act on.
        ByteString senderKey = m.getChat().hasGroup() ? m.getSealed().getSenderKey() : ByteString.EMPTY;
        if (m.getSealed().getUnreadableList().contains(user)) {
            notice.accept("WARNING: " + sender + " could not encrypt a message in "
                    + m.getChat().getGroup() + " for you (their client cannot use or does not trust your keys).");
            return Optional.empty();
        }
        if (mine == null && senderKey.isEmpty()) {
            return Optional.empty();
        }
        byte[] plain;
        try {
            plain = mine == null
                    ? null
                    : ratchet.decryptUnsynced(
                            from, mine.getType(), mine.getBody().toByteArray());
            if (!senderKey.isEmpty()) {
                // The carrier, if any, gives this device the sender's current key; then the one ciphertext opens.
                if (plain != null && !SenderKeyCarriers.take(m, plain, from, groupSealer.keys())) {
                    notice.accept("WARNING: a message from " + sender
                            + " was moved to another conversation or id by the server and was dropped.");
                    return Optional.empty();
                }
                plain = groupSealer.keys().decrypt(from, senderKey.toByteArray());
            }
        } catch (Ratchet.RatchetException e) {
            switch (e.fault()) {
                case DUPLICATE -> {} // its key is gone: a replay or a repeat, not shown twice
                case UNTRUSTED ->
                    notice.accept("WARNING: a message the server says is from " + sender + " cannot be checked: "
                            + (keys.hasChanged(sender)
                                    ? "their key changed (see /verify " + sender + ")"
                                    : "their identity key is not the one pinned")
                            + ". It was not shown.");
                default ->
                    // Named as the server labelled it: a relabelled message must not put the blame on that user.
                    notice.accept("WARNING: a message the server says is from " + sender
                            + " could not be decrypted (tampered, corrupted, replayed or not from them) and was"
                            + " dropped.");
            }
            return Optional.empty();
        }
        Plaintext content;
        try {
            content = Plaintext.parseFrom(plain);
        } catch (InvalidProtocolBufferException e) {
            notice.accept("WARNING: a message from " + sender + " was not readable and was dropped.");
            return Optional.empty();
        }
        if (!content.getMessageId().equals(m.getMessageId())
                || !content.getChat().equals(m.getChat())) {
            notice.accept("WARNING: a message from " + sender
                    + " was moved to another conversation or id by the server and was dropped.");
            return Optional.empty();
        }
        if (!checks.admit(m, content)) {
            return Optional.empty();
        }
        // A sent transcript (from another device of this account) belongs to the chat with its reader.
        String conversation = m.getChat().hasGroup()
                ? m.getChat().getGroup()
                : sender.equals(user) ? m.getChat().getUser() : sender;
        return Optional.of(new Opened(
                new Incoming(
                        m.getMessageId(),
                        sender,
                        m.getChat(),
                        conversation,
                        content.hasAttachment() ? FileMessages.encode(content.getAttachment()) : Contents.text(content),
                        m.getChatSeq(),
                        m.getSentAtMillis()),
                content.getCounter(),
                from));
    }
}
