package dev.spartan.client;

import dev.spartan.proto.Group;
import dev.spartan.proto.Invitation;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The slash commands whose whole answer is words, the same in every front end: /discard, /verify, /trust and
 * /newgroup. Each mistake gets one line that says what to type instead.
 */
public final class WordCommands {
    /** Where the answers go: a terminal prints both as lines, JSON mode makes them notice and error events. */
    public interface Replies {
        void notice(String text);

        /**
         * A refusal or a mistake.
         *
         * @param code the server's status if the server refused, null if the client did
         */
        void error(String text, Status.Code code);
    }

    private final ChatClient client;
    private final Supplier<List<String>> users;
    private final Replies replies;

    /**
     * Commands of one client.
     *
     * @param users every user but this one
     */
    public WordCommands(ChatClient client, Supplier<List<String>> users, Replies replies) {
        this.client = Objects.requireNonNull(client, "client");
        this.users = Objects.requireNonNull(users, "users");
        this.replies = Objects.requireNonNull(replies, "replies");
    }

    /** Runs {@code words[0]} if it is one of these commands; false if it is not. */
    public boolean run(String[] words) {
        String arg = words.length > 1 ? words[1] : "";
        switch (words[0]) {
            case "/discard" -> discard(arg);
            case "/verify" -> verify(arg);
            case "/trust" -> trust(arg);
            case "/newgroup" -> newGroup(words);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Runs a server call; a refusal is answered in words, with the server's status. */
    public void call(Runnable action) {
        try {
            action.run();
        } catch (StatusRuntimeException e) {
            replies.error(Refusals.describe(e), e.getStatus().getCode());
        } catch (RuntimeException e) {
            replies.error("Error: " + e.getMessage(), null);
        }
    }

    private void discard(String arg) {
        List<String> peers = arg.isEmpty() ? List.copyOf(client.kept().keySet()) : List.of(arg);
        int total = 0;
        for (String peer : peers) {
            int n = client.discard(peer);
            total += n;
            if (n > 0) {
                replies.notice(n + (n == 1 ? " message" : " messages") + " to " + peer + " discarded.");
            }
        }
        if (total == 0) {
            replies.notice(arg.isEmpty() ? "No kept messages to discard." : "No kept messages to " + arg + ".");
        }
    }

    private void verify(String arg) {
        if (isUser(arg, "/verify NAME")) {
            call(() -> replies.notice(client.safetyNumber(arg)
                    .map(n -> "Safety number with " + arg + ": " + n + " (compare it with " + arg
                            + "'s; if they match, no one is in between)")
                    .orElse(arg + " has not logged in yet, so there are no keys to compare.")));
        }
    }

    private void trust(String arg) {
        if (isUser(arg, "/trust NAME")) {
            replies.notice(
                    client.trust(arg)
                            ? "You now trust " + arg + "'s new key. Held messages will be sent."
                            : arg + "'s key has not changed; nothing to trust.");
        }
    }

    private void newGroup(String[] words) {
        if (words.length < 3) {
            replies.error("Usage: /newgroup NAME USER1 [USER2 ...]", null);
            return;
        }
        call(() -> {
            Group g = client.createGroup(words[1], Arrays.asList(words).subList(2, words.length));
            replies.notice("Created " + g.getName() + " (" + String.join(",", g.getMembersList()) + ").");
            List<String> invited =
                    g.getInvitedList().stream().map(Invitation::getUser).toList();
            if (!invited.isEmpty()) {
                replies.notice("Invited " + String.join(",", invited) + " (you have no accepted chat with "
                        + (invited.size() == 1 ? "them" : "each") + "): they read " + g.getName()
                        + " once they join.");
            }
        });
    }

    /** A user name argument: present, a user, and not the user themself. */
    private boolean isUser(String arg, String usage) {
        if (arg.isEmpty()) {
            replies.error("Usage: " + usage, null);
        } else if (arg.equals(client.user())) {
            replies.error("That is you: name another user.", null);
        } else if (!users.get().contains(arg)) {
            replies.error("there is no user '" + arg + "'", null);
        } else {
            return true;
        }
        return false;
    }
}
