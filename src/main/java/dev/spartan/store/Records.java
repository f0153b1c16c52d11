package dev.spartan.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.proto.ChatAccepted;
import dev.spartan.proto.ChatDeclined;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequested;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupChanged;
import dev.spartan.proto.Invitation;
import dev.spartan.proto.MessagesExpired;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.proto.SignedStatement;
import dev.spartan.store.proto.StoredChat;
import dev.spartan.store.proto.StoredChatAccepted;
import dev.spartan.store.proto.StoredChatDeclined;
import dev.spartan.store.proto.StoredChatRequested;
import dev.spartan.store.proto.StoredCiphertext;
import dev.spartan.store.proto.StoredEvent;
import dev.spartan.store.proto.StoredGroup;
import dev.spartan.store.proto.StoredGroupChanged;
import dev.spartan.store.proto.StoredKeys;
import dev.spartan.store.proto.StoredMessage;
import dev.spartan.store.proto.StoredMessagesExpired;
import dev.spartan.store.proto.StoredOneTimePreKey;
import dev.spartan.store.proto.StoredPreKeys;
import dev.spartan.store.proto.StoredSealed;
import dev.spartan.store.proto.StoredSignedPreKey;
import dev.spartan.store.proto.StoredStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Between the API's messages and the store's own records (storage.proto). Every store converts here and only here,
 * so a change to the API is a change to this class, not to the data already stored.
 */
final class Records {
    private Records() {}

    static StoredKeys storedKeys(PublicKeys k) {
        return StoredKeys.newBuilder()
                .setSigningKey(k.getSigningKey())
                .setAgreementKey(k.getAgreementKey())
                .setIdentityKey(k.getIdentityKey())
                .build();
    }

    static dev.spartan.store.proto.StoredKeyLogEntry storedKeyLogEntry(byte[] entry) {
        return dev.spartan.store.proto.StoredKeyLogEntry.newBuilder()
                .setEntry(com.google.protobuf.ByteString.copyFrom(entry))
                .build();
    }

    static byte[] keyLogEntry(byte[] stored) {
        return parse(dev.spartan.store.proto.StoredKeyLogEntry::parseFrom, stored)
                .getEntry()
                .toByteArray();
    }

    static PublicKeys publicKeys(StoredKeys k) {
        return PublicKeys.newBuilder()
                .setSigningKey(k.getSigningKey())
                .setAgreementKey(k.getAgreementKey())
                .setIdentityKey(k.getIdentityKey())
                .build();
    }

    static StoredPreKeys storedPreKeys(int registrationId, SignedPreKey signed, SignedPreKey kyber) {
        return StoredPreKeys.newBuilder()
                .setRegistrationId(registrationId)
                .setSignedPreKey(storedSigned(signed))
                .setKyberPreKey(storedSigned(kyber))
                .build();
    }

    /** The bundle without its identity key and one-time prekey, which the caller adds. */
    static PreKeyBundle preKeyBundle(String user, StoredPreKeys k) {
        return PreKeyBundle.newBuilder()
                .setUser(user)
                .setRegistrationId(k.getRegistrationId())
                .setDeviceId(1)
                .setSignedPreKey(signed(k.getSignedPreKey()))
                .setKyberPreKey(signed(k.getKyberPreKey()))
                .build();
    }

    private static StoredSignedPreKey storedSigned(SignedPreKey k) {
        return StoredSignedPreKey.newBuilder()
                .setId(k.getId())
                .setPublicKey(k.getPublicKey())
                .setSignature(k.getSignature())
                .build();
    }

    private static SignedPreKey signed(StoredSignedPreKey k) {
        return SignedPreKey.newBuilder()
                .setId(k.getId())
                .setPublicKey(k.getPublicKey())
                .setSignature(k.getSignature())
                .build();
    }

    static StoredOneTimePreKey storedOneTime(OneTimePreKey k) {
        return StoredOneTimePreKey.newBuilder()
                .setId(k.getId())
                .setPublicKey(k.getPublicKey())
                .build();
    }

    static OneTimePreKey oneTime(StoredOneTimePreKey k) {
        return OneTimePreKey.newBuilder()
                .setId(k.getId())
                .setPublicKey(k.getPublicKey())
                .build();
    }

    /**
     * Whose inboxes a held message goes to when its chat is accepted: every device address it carries a ciphertext
     * for (the reader's devices and the sender's other devices, PROTOCOL.md "Devices"), {@code recipient} first; just
     * {@code recipient} for one that carries none.
     */
    static List<String> heldReaders(StoredMessage m, String recipient) {
        List<String> readers = new ArrayList<>();
        readers.add(recipient);
        m.getSealed().getCiphertextsMap().keySet().stream()
                .filter(a -> !a.equals(recipient))
                .sorted()
                .forEach(readers::add);
        return readers;
    }

    /** The stored form of a message of conversation {@code chatKey}, its chat_seq as given. */
    static StoredMessage storedMessage(ChatMessage m, String chatKey) {
        StoredChat.Builder chat = storedChat(m.getChat());
        Sealed s = m.getSealed();
        return StoredMessage.newBuilder()
                .setMessageId(m.getMessageId())
                .setSender(m.getSender())
                .setSenderDevice(m.getSenderDevice() > 1 ? m.getSenderDevice() : 0)
                .setChat(chat)
                .setChatSeq(m.getChatSeq())
                .setSentAtMillis(m.getSentAtMillis())
                .setSealed(stored(s))
                .setChatKey(chatKey)
                .setExpiresAtMillis(m.getExpiresAtMillis())
                .setRecordVersion(Layout.RECORD_VERSION)
                .build();
    }

    static StoredChat.Builder storedChat(ChatRef ref) {
        StoredChat.Builder chat = StoredChat.newBuilder();
        switch (ref.getTargetCase()) {
            case USER -> chat.setUser(ref.getUser());
            case GROUP -> chat.setGroup(ref.getGroup());
            case TARGET_NOT_SET -> {}
        }
        return chat;
    }

    static ChatRef chatRef(StoredChat chat) {
        return switch (chat.getTargetCase()) {
            case USER -> ChatRef.newBuilder().setUser(chat.getUser()).build();
            case GROUP -> ChatRef.newBuilder().setGroup(chat.getGroup()).build();
            case TARGET_NOT_SET -> ChatRef.getDefaultInstance();
        };
    }

    private static StoredSealed.Builder stored(Sealed s) {
        StoredSealed.Builder b = StoredSealed.newBuilder()
                .addAllUnreadable(s.getUnreadableList())
                .setSenderKey(s.getSenderKey()); // key_holders are checked, never stored
        s.getCiphertextsMap()
                .forEach((reader, c) -> b.putCiphertexts(
                        reader,
                        StoredCiphertext.newBuilder()
                                .setType(c.getType())
                                .setBody(c.getBody())
                                .build()));
        return b;
    }

    private static Sealed.Builder wire(StoredSealed s) {
        Sealed.Builder b =
                Sealed.newBuilder().addAllUnreadable(s.getUnreadableList()).setSenderKey(s.getSenderKey());
        s.getCiphertextsMap()
                .forEach((reader, c) -> b.putCiphertexts(
                        reader,
                        Ciphertext.newBuilder()
                                .setType(c.getType())
                                .setBody(c.getBody())
                                .build()));
        return b;
    }

    static ChatMessage chatMessage(StoredMessage m) {
        ChatRef.Builder chat = ChatRef.newBuilder();
        switch (m.getChat().getTargetCase()) {
            case USER -> chat.setUser(m.getChat().getUser());
            case GROUP -> chat.setGroup(m.getChat().getGroup());
            case TARGET_NOT_SET -> {}
        }
        StoredSealed s = m.getSealed();
        return ChatMessage.newBuilder()
                .setMessageId(m.getMessageId())
                .setSender(m.getSender())
                .setSenderDevice(m.getSenderDevice())
                .setChat(chat)
                .setChatSeq(m.getChatSeq())
                .setSentAtMillis(m.getSentAtMillis())
                .setExpiresAtMillis(m.getExpiresAtMillis())
                .setSealed(wire(s))
                .build();
    }

    static StoredGroup storedGroup(
            String name,
            Iterable<String> members,
            long generation,
            List<RuntimeGroup.Signed> chain,
            Map<String, Long> invited) {
        StoredGroup.Builder b = StoredGroup.newBuilder()
                .setName(name)
                .addAllMembers(members)
                .setGeneration(generation)
                .putAllInvited(invited);
        chain.forEach(s -> b.addChain(
                StoredStatement.newBuilder().setStatement(s.statement()).setSignature(s.signature())));
        return b.build();
    }

    static RuntimeGroup runtimeGroup(StoredGroup g) {
        return new RuntimeGroup(
                g.getName(),
                g.getMembersList(),
                g.getGeneration(),
                g.getChainList().stream()
                        .map(s -> new RuntimeGroup.Signed(s.getStatement(), s.getSignature()))
                        .toList(),
                g.getInvitedMap());
    }

    /**
     * The stored form of an inbox event other than a message: messages enter inboxes only through
     * {@link MessageStore#save} and {@link MessageStore#releaseHeld}, which know their conversation.
     */
    static StoredEvent storedEvent(Event e) {
        StoredEvent.Builder b = StoredEvent.newBuilder().setRecordVersion(Layout.RECORD_VERSION);
        switch (e.getKindCase()) {
            case CHAT_REQUESTED ->
                b.setChatRequested(StoredChatRequested.newBuilder()
                        .setFrom(e.getChatRequested().getFrom()));
            case CHAT_ACCEPTED ->
                b.setChatAccepted(StoredChatAccepted.newBuilder()
                        .setBy(e.getChatAccepted().getBy())
                        .setKeys(storedKeys(e.getChatAccepted().getKeys())));
            case CHAT_DECLINED ->
                b.setChatDeclined(StoredChatDeclined.newBuilder()
                        .setBy(e.getChatDeclined().getBy())
                        .addAllDroppedMessageIds(e.getChatDeclined().getDroppedMessageIdsList()));
            case GROUP_CHANGED -> {
                Group g = e.getGroupChanged().getGroup();
                StoredGroup.Builder stored =
                        StoredGroup.newBuilder().setName(g.getName()).addAllMembers(g.getMembersList());
                g.getInvitedList().forEach(i -> stored.putInvited(i.getUser(), i.getExpiresAtMillis()));
                g.getChainList()
                        .forEach(s -> stored.addChain(StoredStatement.newBuilder()
                                .setStatement(s.getStatement())
                                .setSignature(s.getSignature())));
                b.setGroupChanged(StoredGroupChanged.newBuilder()
                        .setGroup(stored)
                        .setRemoved(e.getGroupChanged().getRemoved()));
            }
            case EXPIRED ->
                b.setExpired(StoredMessagesExpired.newBuilder()
                        .setChat(storedChat(e.getExpired().getChat()))
                        .addAllMessageIds(e.getExpired().getMessageIdsList()));
            case DEVICES_CHANGED ->
                b.setDevicesChanged(dev.spartan.store.proto.StoredDevicesChanged.newBuilder()
                        .setUser(e.getDevicesChanged().getUser())
                        .addAllDeviceIds(e.getDevicesChanged().getDeviceIdsList())
                        .setLinked(e.getDevicesChanged().getLinked()));
            default -> throw new IllegalArgumentException("an inbox does not store " + e.getKindCase() + " events");
        }
        return b.build();
    }

    /** The API form of a stored event, with its inbox sequence number. */
    static Event event(StoredEvent e, long seq) {
        Event.Builder b = Event.newBuilder().setSeq(seq);
        switch (e.getKindCase()) {
            case MESSAGE -> b.setMessage(chatMessage(e.getMessage()));
            case CHAT_REQUESTED ->
                b.setChatRequested(
                        ChatRequested.newBuilder().setFrom(e.getChatRequested().getFrom()));
            case CHAT_ACCEPTED ->
                b.setChatAccepted(ChatAccepted.newBuilder()
                        .setBy(e.getChatAccepted().getBy())
                        .setKeys(publicKeys(e.getChatAccepted().getKeys())));
            case CHAT_DECLINED ->
                b.setChatDeclined(ChatDeclined.newBuilder()
                        .setBy(e.getChatDeclined().getBy())
                        .addAllDroppedMessageIds(e.getChatDeclined().getDroppedMessageIdsList()));
            case GROUP_CHANGED -> {
                StoredGroup g = e.getGroupChanged().getGroup();
                Group.Builder group = Group.newBuilder().setName(g.getName()).addAllMembers(g.getMembersList());
                new TreeMap<>(g.getInvitedMap())
                        .forEach((user, expires) -> group.addInvited(
                                Invitation.newBuilder().setUser(user).setExpiresAtMillis(expires)));
                g.getChainList()
                        .forEach(s -> group.addChain(SignedStatement.newBuilder()
                                .setStatement(s.getStatement())
                                .setSignature(s.getSignature())));
                b.setGroupChanged(GroupChanged.newBuilder()
                        .setGroup(group)
                        .setRemoved(e.getGroupChanged().getRemoved()));
            }
            case EXPIRED ->
                b.setExpired(MessagesExpired.newBuilder()
                        .setChat(chatRef(e.getExpired().getChat()))
                        .addAllMessageIds(e.getExpired().getMessageIdsList()));
            case DEVICES_CHANGED ->
                b.setDevicesChanged(dev.spartan.proto.DevicesChanged.newBuilder()
                        .setUser(e.getDevicesChanged().getUser())
                        .addAllDeviceIds(e.getDevicesChanged().getDeviceIdsList())
                        .setLinked(e.getDevicesChanged().getLinked()));
            case KIND_NOT_SET -> {} // written by a newer version: shown as an event without content
            case MESSAGE_REF ->
                throw new IllegalArgumentException("a reference is resolved by the store that wrote it, before this");
        }
        return b.build();
    }

    interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    /** Parses a stored record; one that does not parse is a damaged store, never a client's fault. */
    static <T> T parse(Parser<T> parser, byte[] bytes) {
        try {
            return parser.parse(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptStoreException("a stored record does not parse: " + e.getMessage(), e);
        }
    }
}
