package dev.spartan.store;

import dev.spartan.store.proto.StoredEvent;
import dev.spartan.store.proto.StoredGroup;
import dev.spartan.store.proto.StoredMessage;
import dev.spartan.store.proto.StoredMessageRef;
import dev.spartan.store.proto.StoredStatement;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Which keys and records of either store are about one user: what a purge of that user deletes. */
final class UserRecords {
    private final String user;

    UserRecords(String user) {
        this.user = Objects.requireNonNull(user, "user");
    }

    /** A key of the user's own: the name alone, or the name then a NUL and more. */
    boolean owns(String key) {
        return key.equals(user) || key.startsWith(user + "\0");
    }

    /** A pair key ("alice|bob") with the user on one side. */
    boolean inPair(String pairKey) {
        return Arrays.asList(pairKey.split("\\|", -1)).contains(user);
    }

    /** A conversation key of a 1:1 chat with the user ("dm:alice|bob"). */
    boolean inChat(String chatKey) {
        return chatKey.startsWith("dm:") && inPair(chatKey.substring(3));
    }

    /** An embedded store counter: the user's inbox or prekey numbering, or a 1:1 chat's sequence or hold. */
    boolean counter(String key) {
        int nul = key.indexOf('\0');
        if (nul < 0) {
            return false;
        }
        String kind = key.substring(0, nul);
        String of = key.substring(nul + 1);
        return switch (kind) {
            case "inbox", "prekey" -> of.equals(user);
            case "chat" -> inChat(of);
            case "heldcount", "heldbytes" -> inPair(of);
            default -> false;
        };
    }

    /** An inbox event from the user or naming them; {@code lookUp} resolves a reference to a stored message. */
    boolean namedIn(StoredEvent e, java.util.function.Function<StoredMessageRef, StoredMessage> lookUp) {
        return switch (e.getKindCase()) {
            case MESSAGE -> about(e.getMessage());
            case MESSAGE_REF -> {
                StoredMessage m = lookUp.apply(e.getMessageRef());
                yield m != null && about(m);
            }
            case CHAT_REQUESTED -> e.getChatRequested().getFrom().equals(user);
            case CHAT_ACCEPTED -> e.getChatAccepted().getBy().equals(user);
            case CHAT_DECLINED -> e.getChatDeclined().getBy().equals(user);
            case GROUP_CHANGED ->
                e.getGroupChanged().getGroup().getMembersList().contains(user)
                        || signedIn(e.getGroupChanged().getGroup());
            case EXPIRED -> e.getExpired().getChat().getUser().equals(user);
            case DEVICES_CHANGED -> e.getDevicesChanged().getUser().equals(user);
            case KIND_NOT_SET -> false;
        };
    }

    boolean about(StoredMessage m) {
        return m.getSender().equals(user) || m.getChat().getUser().equals(user);
    }

    /**
     * A group whose signed statements name the user (as actor or member: protobuf fields 5 and 6, each a tag, a
     * one-byte length and the name), such as one they left.
     */
    boolean signedIn(StoredGroup g) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        if (name.length > 127) {
            return false;
        }
        for (StoredStatement s : g.getChainList()) {
            byte[] bytes = s.getStatement().toByteArray();
            for (byte tag : List.of((byte) 0x2a, (byte) 0x32)) {
                if (contains(bytes, tag, name)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean contains(byte[] bytes, byte tag, byte[] name) {
        outer:
        for (int i = 0; i + 2 + name.length <= bytes.length; i++) {
            if (bytes[i] != tag || bytes[i + 1] != name.length) {
                continue;
            }
            for (int j = 0; j < name.length; j++) {
                if (bytes[i + 2 + j] != name[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
