package dev.spartan.client;

import dev.spartan.contract.ChatIds;
import dev.spartan.contract.WireSealed;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.MessageCrypto;
import dev.spartan.crypto.PublicIdentity;
import dev.spartan.crypto.SealedMessage;
import dev.spartan.crypto.TamperedMessageException;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Group;
import dev.spartan.proto.SendRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sealing outgoing and opening incoming messages for one user: who the readers are, which keys to trust, and what
 * to tell the user when a message does not check out. A message id seen once is never shown twice.
 */
final class Envelopes {
    private final String user;
    private final Identity identity;
    private final KeyBook keys;
    private final Consumer<String> notice;
    // Ids of messages already shown, oldest dropped first: a resent copy within the last 10,000 is not shown twice.
    private final Map<String, Boolean> seen = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    });

    Envelopes(String user, Identity identity, KeyBook keys, Consumer<String> notice) {
        this.user = Objects.requireNonNull(user, "user");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.notice = Objects.requireNonNull(notice, "notice");
    }

    /**
     * Seals a queued message for its readers: the peer, or the members of {@code group} who have keys.
     *
     * @throws Outbox.NotReady if a reader's key is missing (1:1) or changed and not yet trusted
     */
    SendRequest seal(Outbox.Pending p, Group group) throws Outbox.NotReady {
        Map<String, byte[]> readers = new LinkedHashMap<>();
        readers.put(user, identity.publicIdentity().agreementKey());
        if (p.to().hasGroup()) {
            if (group == null) {
                throw new StatusRuntimeException(
                        Status.PERMISSION_DENIED.withDescription("you are not a member of " + p.to().getGroup()));
            }
            for (String member : group.getMembersList()) {
                if (member.equals(user)) {
                    continue;
                }
                Optional<PublicIdentity> k = keys.trusted(member); // may fetch, and so notice a changed key
                if (keys.hasChanged(member)) {
                    throw new Outbox.NotReady(
                            member + "'s key changed: group messages are on hold until /trust " + member);
                }
                // A member who has never logged in has no keys and cannot be a reader; the server expects
                // exactly the members with keys (see PROTOCOL.md, Groups).
                k.ifPresent(key -> readers.put(member, key.agreementKey()));
            }
        } else {
            String peer = p.to().getUser();
            PublicIdentity k = keys.trusted(peer)
                    .orElseThrow(() -> new Outbox.NotReady(
                            keys.hasChanged(peer)
                                    ? "Messages to " + peer + " are on hold: their key changed (see /verify " + peer
                                            + ")."
                                    : peer + " has not logged in yet, so has no keys: your messages wait here until "
                                            + peer + " accepts."));
            readers.put(peer, k.agreementKey());
        }
        SealedMessage sealed = MessageCrypto.seal(
                identity,
                user,
                ChatIds.cryptoLabel(p.to()),
                p.messageId(),
                p.text().getBytes(StandardCharsets.UTF_8),
                readers);
        return SendRequest.newBuilder()
                .setMessageId(p.messageId())
                .setTo(p.to())
                .setSealed(WireSealed.toWire(sealed))
                .build();
    }

    /**
     * Decrypts one message; empty if it is a repeat or does not decrypt (the user is warned of the latter).
     *
     * @param dropRepeats false for history, which shows again on purpose what was already displayed
     */
    Optional<Incoming> open(ChatMessage m, boolean dropRepeats) {
        String id = m.getSender() + "/" + m.getMessageId();
        if (dropRepeats && seen.get(id) != null) {
            return Optional.empty(); // a replayed or repeated id: drop silently
        }
        Optional<PublicIdentity> senderKeys =
                m.getSender().equals(user) ? Optional.of(identity.publicIdentity()) : keys.trusted(m.getSender());
        if (senderKeys.isEmpty()) {
            notice.accept("WARNING: a message from " + m.getSender() + " cannot be checked: "
                    + (keys.hasChanged(m.getSender())
                            ? "their key changed (see /verify " + m.getSender() + ")"
                            : "their keys are unknown")
                    + ". It was not shown.");
            return Optional.empty();
        }
        try {
            byte[] plain = MessageCrypto.open(
                    identity,
                    user,
                    senderKeys.get().agreementKey(),
                    m.getSender(),
                    ChatIds.cryptoLabel(m.getChat()),
                    m.getMessageId(),
                    WireSealed.fromWire(m.getSealed()));
            seen.put(id, Boolean.TRUE);
            String conversation = m.getChat().hasGroup()
                    ? m.getChat().getGroup()
                    : m.getSender().equals(user) ? m.getChat().getUser() : m.getSender();
            return Optional.of(new Incoming(
                    m.getMessageId(),
                    m.getSender(),
                    m.getChat(),
                    conversation,
                    new String(plain, StandardCharsets.UTF_8),
                    m.getChatSeq(),
                    m.getSentAtMillis()));
        } catch (TamperedMessageException e) {
            notice.accept("WARNING: a message from " + m.getSender()
                    + " failed its integrity check and was dropped (tampered or corrupted).");
            return Optional.empty();
        }
    }
}
