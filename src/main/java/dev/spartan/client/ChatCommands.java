package dev.spartan.client;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import java.util.Locale;
import java.util.Objects;

/**
 * The slash commands that choose, answer or leave a chat, the same in every front end: /chat, /accept, /decline,
 * /group and /leave. Which chat they pick is decided here; what opening, accepting, declining or leaving shows is the
 * front end's.
 */
public final class ChatCommands {
    /** What a front end does with the chat a command picked. */
    public interface Front {
        /** Whether {@code name} has asked this user to chat and has not been answered. */
        boolean isRequester(String name);

        /** The one unanswered requester, or null when there are none or several. */
        String onlyRequester();

        /** Whether {@code name} is a group this user was invited to and has not answered. */
        boolean isInvitation(String name);

        /** Accepts {@code requester}'s chat request and opens the chat. */
        void accept(String requester);

        /** Declines {@code requester}'s chat request. */
        void decline(String requester);

        /** Joins the group this user was invited to, and opens it. */
        void join(String group);

        /** Declines the invitation to {@code group}. */
        void declineInvitation(String group);

        /** Asks {@code name} to chat, or opens the chat or group of that name. */
        void open(String name);

        /** Opens a chat this user is already in. */
        void enter(ChatRef chat);

        /** The chat lines typed now go to, or null. */
        ChatRef current();

        /** Leaves the group named {@code group}. */
        void leave(String group);

        /** A usage line or a refusal, shown as the front end shows the client's mistakes. */
        void refuse(String text);

        /** Declines {@code requester}'s chat request without a word, then opens {@code name} as {@link #open}. */
        void declineAndOpen(String requester, String name);
    }

    private final ChatClient client;
    private final Front front;

    public ChatCommands(ChatClient client, Front front) {
        this.client = Objects.requireNonNull(client, "client");
        this.front = Objects.requireNonNull(front, "front");
    }

    /**
     * A plain line typed while {@code requester}'s question is open: for a chat request {@code yes}, {@code no} or
     * another name (declines and asks that user instead); for a group invitation ({@code requester} is then the
     * group) only {@code yes} or {@code no}, since a typo must not decline it.
     */
    public void answer(String requester, String line) {
        String word = line.toLowerCase(Locale.ROOT);
        if (word.equals("yes")) {
            accept(requester);
        } else if (word.equals("no")) {
            decline(requester);
        } else if (front.isInvitation(requester)) {
            front.refuse("Enter 'yes' to join " + requester + " or 'no' (or /decline " + requester + " later).");
        } else {
            front.declineAndOpen(requester, line);
        }
    }

    /** Says yes to the question {@code name} stands for: a chat request, or a group invitation. */
    private void accept(String name) {
        if (front.isInvitation(name)) {
            front.join(name);
        } else {
            front.accept(name);
        }
    }

    /** Says no to the question {@code name} stands for: a chat request, or a group invitation. */
    private void decline(String name) {
        if (front.isInvitation(name)) {
            front.declineInvitation(name);
        } else {
            front.decline(name);
        }
    }

    /** Runs {@code words} if it is one of these commands; returns whether it was. */
    public boolean run(String[] words) {
        String arg = words.length > 1 ? words[1] : "";
        switch (words[0]) {
            case "/chat" -> {
                if (arg.isEmpty()) {
                    front.refuse("Usage: /chat NAME");
                } else if (front.isRequester(arg)) {
                    accept(arg);
                } else {
                    front.open(arg);
                }
            }
            case "/accept", "/decline" -> {
                String who = arg.isEmpty() ? front.onlyRequester() : arg;
                if (who == null) {
                    front.refuse("Usage: " + words[0] + " NAME");
                } else if (words[0].equals("/accept")) {
                    accept(who);
                } else {
                    decline(who);
                }
            }
            case "/group" -> {
                if (client.group(arg).isEmpty()) {
                    front.refuse(
                            arg.isEmpty()
                                    ? "Usage: /group NAME"
                                    : "You are not a member of a group named '" + arg + "'.");
                } else {
                    front.enter(ChatIds.toGroup(arg));
                }
            }
            case "/leave" -> {
                ChatRef chat = front.current();
                String group = !arg.isEmpty() ? arg : chat != null && chat.hasGroup() ? chat.getGroup() : "";
                if (group.isEmpty()) {
                    front.refuse("Usage: /leave GROUP");
                } else {
                    front.leave(group);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
