package dev.spartan.client.tui;

import dev.spartan.client.ChatClient;
import dev.spartan.client.WordCommands;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ListUsersResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The slash commands that only ask or tell something and leave the prompt as it is: /users, /history, /discard,
 * /verify, /trust, /newgroup, /clear and /help. Each mistake gets one line that says what to type instead.
 */
final class Commands {
    static final List<String> HELP = List.of(
            "[Spartan] Commands:",
            "  /chat NAME              chat with a user or group (accepts their request if they asked you)",
            "  /group NAME             chat in a group you belong to",
            "  /accept NAME            accept NAME's chat request, or join the group NAME you were invited to",
            "  /decline NAME           decline NAME's chat request, or the invitation to the group NAME",
            "  /users                  users (* = online), your groups, unread lines",
            "  /history [N]            recent messages of this chat; N (up to " + SessionLog.KEEP
                    + ") adds what this session showed",
            "  /discard [NAME]         drop the messages kept after NAME declined (everyone's by default)",
            "  /clear                  clear the screen",
            "  /verify NAME            show the safety number you share with NAME",
            "  /trust NAME             accept NAME's new key after you compared safety numbers",
            "  /newgroup NAME U1 U2..  create a group with you and the users named",
            "  /leave [NAME]           leave a group (the current one by default)",
            "  /reply [N] TEXT         reply quoting message N (/history numbers them; none: the latest from others)",
            "  /edit [N] TEXT          new text for your message N (none: your latest), up to 24 hours after",
            "  /delete [N]             delete your message N for everyone (none: your latest)",
            "  /react [N] EMOJI        react to message N (none: the latest from others); again to replace it",
            "  /timer 5s|10m|1h|1d|off messages in this chat disappear after that long, for both sides",
            "  @name                   in a group, mentions a member (Tab completes it)",
            "  /send PATH              send a file to this chat, end-to-end encrypted (Tab completes the path)",
            "  /save N [DIR]           save this chat's file N (default ~/Downloads/spartan/), never over a file",
            "  /files                  this chat's files and their number",
            "  /link CODE              link a new device to your account (the code it printed with --link)",
            "  /devices                your account's devices; /unlink N removes device N (not device 1)",
            "  /help                   this list",
            "  /logout                 end this session on the server too, then leave",
            "  /quit                   leave (Ctrl-D too)",
            "  Your messages: ·· queued, ✓ stored by the server, ✓✓ delivered to the peer (1:1 chats),",
            "  ●● read by the peer (if they opted in with --read-receipts).");

    private final ChatClient client;
    private final Transcript transcript;
    private final Screen screen;
    private final Look look;
    private final String me;
    private final Supplier<ChatRef> current;
    private final Consumer<String> notice;
    /** The commands answered in words alone; on a terminal every answer is a line. */
    private final WordCommands answers;

    private final dev.spartan.client.FileCommands files;

    Commands(
            ChatClient client,
            Transcript transcript,
            Screen screen,
            Look look,
            String me,
            Supplier<List<String>> users,
            Supplier<ChatRef> current,
            Consumer<String> notice) {
        this.client = Objects.requireNonNull(client, "client");
        this.transcript = Objects.requireNonNull(transcript, "transcript");
        this.screen = Objects.requireNonNull(screen, "screen");
        this.look = Objects.requireNonNull(look, "look");
        this.me = Objects.requireNonNull(me, "me");
        this.current = Objects.requireNonNull(current, "current");
        this.notice = Objects.requireNonNull(notice, "notice");
        this.files = new dev.spartan.client.FileCommands(client.attachments());
        this.answers = new WordCommands(client, users, new WordCommands.Replies() {
            @Override
            public void notice(String text) {
                notice.accept(text);
            }

            @Override
            public void error(String text, Status.Code code) {
                notice.accept(text);
            }
        });
    }

    /** Runs {@code words[0]} if it is one of these commands; false if it is not. */
    boolean run(String[] words) {
        String arg = words.length > 1 ? words[1] : "";
        switch (words[0]) {
            case "/help" -> HELP.forEach(h -> screen.print(look.plain(h)));
            case "/users" -> call(this::users);
            case "/history" -> history(arg);
            case "/clear" -> screen.clear();
            default -> {
                return files.run(words, current.get(), notice) || answers.run(words);
            }
        }
        return true;
    }

    /** Runs a server call; a refusal is shown in words. */
    void call(Runnable action) {
        answers.call(action);
    }

    private void users() {
        ListUsersResponse r = client.users();
        notice.accept("Users: "
                + r.getUsersList().stream()
                        .filter(u -> !u.equals(me))
                        .map(u -> (r.getOnlineList().contains(u) ? u + "*" : u) + unreadTag(u))
                        .collect(Collectors.joining(",")));
        notice.accept("Groups: "
                + (r.getGroupsCount() == 0
                        ? "(none)"
                        : r.getGroupsList().stream()
                                .map(g -> g.getName() + " (" + String.join(",", g.getMembersList()) + ")"
                                        + unreadTag(g.getName()))
                                .collect(Collectors.joining(", "))));
    }

    private String unreadTag(String chat) {
        int n = transcript.unread(chat);
        return n == 0 ? "" : " [" + n + " unread]";
    }

    private void history(String arg) {
        ChatRef chat = current.get();
        if (chat == null) {
            notice.accept("Open a chat first.");
            return;
        }
        if (arg.isEmpty()) {
            call(() -> {
                var recent = client.history(chat, true); // shows again what this session has shown
                if (recent.isEmpty()) {
                    notice.accept("No recent messages.");
                } else {
                    transcript.showHistory(chat, recent, true); // numbered: /edit 3 names one
                }
            });
            return;
        }
        int n;
        try {
            n = Integer.parseInt(arg);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > SessionLog.KEEP) {
            notice.accept("Usage: /history [N], N from 1 to " + SessionLog.KEEP);
            return;
        }
        List<dev.spartan.client.Incoming> fromServer;
        try {
            fromServer = client.history(chat, true);
        } catch (StatusRuntimeException e) {
            fromServer = List.of(); // what this session showed is still worth showing
        }
        transcript.showLast(chat, fromServer, n);
    }
}
