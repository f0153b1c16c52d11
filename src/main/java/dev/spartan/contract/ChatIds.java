package dev.spartan.contract;

import dev.spartan.proto.ChatRef;

/** Conversation ids and crypto labels. One place, so the server and client never disagree. */
public final class ChatIds {
    private ChatIds() {}

    public static String direct(String a, String b) {
        return "dm:" + (a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a); // one id per unordered pair
    }

    public static String group(String name) {
        return "group:" + name;
    }

    /**
     * The label bound into a message's associated data: "@bob" for a 1:1 message whose recipient is bob, "#group1"
     * for a group. See PROTOCOL.md.
     */
    public static String cryptoLabel(ChatRef chat) {
        return chat.hasGroup() ? "#" + chat.getGroup() : "@" + chat.getUser();
    }

    public static ChatRef toUser(String user) {
        return ChatRef.newBuilder().setUser(user).build();
    }

    public static ChatRef toGroup(String group) {
        return ChatRef.newBuilder().setGroup(group).build();
    }
}
