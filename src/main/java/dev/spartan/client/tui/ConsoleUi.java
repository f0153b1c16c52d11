package dev.spartan.client.tui;

import dev.spartan.client.ChatClient;
import dev.spartan.client.ClientListener;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.Incoming;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Group;
import dev.spartan.proto.ListUsersResponse;
import dev.spartan.proto.LoginResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The terminal client: the prompts and lines of README's demo, with incoming messages printed above the prompt so that
 * a half-typed line is never garbled. On a pipe JLine falls back to a dumb terminal and the same code reads lines.
 */
public final class ConsoleUi implements ClientListener {
    static final String SPARTAN = "[Spartan] ";
    private static final String HELP = """
            [Spartan] Commands:
              /chat NAME              chat with a user (accepts their request if they asked you)
              /group NAME             chat in a group you belong to
              /users                  list users (* = online) and your groups
              /history                show the recent messages of this chat
              /verify NAME            show the safety number you share with NAME
              /trust NAME             accept NAME's new key after you compared safety numbers
              /newgroup NAME U1 U2..  create a group with you and the users named
              /leave [NAME]           leave a group (the current one by default)
              /help                   this list
              /logout                 end this session on the server too, then leave
              /quit                   leave (Ctrl-D too)""";

    /**
     * Terminal answers to queries (cursor position ESC[r;cR, device attributes ESC[?...c, mode reports ESC[?...$y).
     * Should one arrive after JLine stopped waiting for it, it would come in front of the user's line as if typed.
     */
    private static final java.util.regex.Pattern CURSOR_REPORT =
            java.util.regex.Pattern.compile("^(\u001B?\\[\\??[\\d;]*(R|c|\\$y))+");

    private enum Mode {
        CHOOSING,
        ANSWERING,
        CHATTING
    }

    private final Terminal terminal;
    private final LineReader reader;
    private final Deque<String> requests = new ArrayDeque<>();
    /** What the client core reported while connecting (the backlog): shown after the banner, in order. */
    private final List<String> early = new ArrayList<>();

    private ChatClient client;
    private String me;
    private Mode mode = Mode.CHOOSING;
    private ChatRef current;
    private boolean started;

    public ConsoleUi() throws IOException {
        // No grapheme-cluster probe: it asks the terminal questions (DA1, cursor position) whose late answers, on a
        // loaded machine, would arrive as if the user had typed them.
        this.terminal = TerminalBuilder.builder()
                .system(true)
                .dumb(true)
                .graphemeCluster(false)
                .build();
        this.reader = LineReaderBuilder.builder().terminal(terminal).build();
    }

    /** Runs the client until /quit or end of input; returns the process exit code. */
    public int run(ClientOptions options, int displayPort) {
        me = options.user();
        LoginResponse login;
        try {
            client = new ChatClient(options, this);
            login = client.connect();
        } catch (StatusRuntimeException e) {
            print(SPARTAN + connectFailure(e, options));
            return 1;
        } catch (IllegalStateException | IllegalArgumentException e) {
            print(SPARTAN + e.getMessage());
            return 1;
        }
        print(SPARTAN + "Connected to Spartan Server at port " + (login.getPort() > 0 ? login.getPort() : displayPort)
                + ".");
        print(SPARTAN + "User list: "
                + login.getUsersList().stream().filter(u -> !u.equals(me)).collect(Collectors.joining(",")));
        synchronized (this) {
            started = true;
            early.forEach(this::print);
            early.clear();
            if (!requests.isEmpty()) {
                mode = Mode.ANSWERING;
            }
        }
        try {
            while (true) {
                String line = reader.readLine(prompt());
                String typed = CURSOR_REPORT.matcher(line).replaceFirst("").strip();
                if (typed.equals("/logout")) {
                    print(
                            SPARTAN
                                    + (client.logout()
                                            ? "Logged out: this session's token no longer works."
                                            : "Could not reach the server to log out; the session ends when its token expires."));
                    return 0;
                }
                if (!handle(typed)) {
                    break;
                }
            }
        } catch (EndOfFileException | UserInterruptException e) {
            // Ctrl-D, Ctrl-C or the end of piped input: leave like /quit.
        }
        client.close();
        return 0;
    }

    private String connectFailure(StatusRuntimeException e, ClientOptions options) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE) {
            return "Cannot reach Spartan Server at " + String.join(",", options.servers()) + ". Is it running?";
        }
        return "Login refused: " + e.getStatus().getDescription();
    }

    private synchronized String prompt() {
        return switch (mode) {
            case CHOOSING -> SPARTAN + "Enter a user whom you want to chat with: ";
            case ANSWERING ->
                SPARTAN + requests.peek()
                        + " is requesting to chat with you. Enter 'yes' to accept or different user: ";
            case CHATTING -> current.hasGroup() ? "[" + current.getGroup() + "] [" + me + "] > " : "[" + me + "] > ";
        };
    }

    /** Returns false to leave. */
    private boolean handle(String line) {
        if (line.startsWith("/")) {
            return command(line);
        }
        if (line.isEmpty()) {
            return true;
        }
        Mode now;
        String requester;
        synchronized (this) {
            now = mode;
            requester = requests.peek();
        }
        switch (now) {
            case CHOOSING -> open(line);
            case ANSWERING -> {
                if (line.toLowerCase(Locale.ROOT).equals("yes")) {
                    accept(requester);
                } else {
                    call(() -> client.answerChat(requester, false));
                    synchronized (this) {
                        requests.remove(requester);
                        mode = Mode.CHOOSING;
                    }
                    open(line);
                }
            }
            case CHATTING -> client.send(current, line);
        }
        return true;
    }

    private void accept(String requester) {
        call(() -> {
            client.answerChat(requester, true);
            synchronized (this) {
                requests.remove(requester);
            }
            enterChat(ChatIds.toUser(requester));
        });
    }

    /** Opens a chat by name: a group the user is in, or a user to request. */
    private void open(String name) {
        if (client.group(name).isPresent()) {
            enterChat(ChatIds.toGroup(name));
            return;
        }
        call(() -> {
            client.requestChat(name);
            synchronized (this) {
                requests.remove(name);
            }
            enterChat(ChatIds.toUser(name));
        });
    }

    private void enterChat(ChatRef chat) {
        synchronized (this) {
            current = chat;
            mode = Mode.CHATTING;
        }
        if (chat.hasGroup()) {
            Group g = client.group(chat.getGroup()).orElseThrow();
            print(SPARTAN + "You are now ready to chat in " + g.getName() + " (" + String.join(",", g.getMembersList())
                    + ").");
        } else {
            print(SPARTAN + "You are now ready to chat with " + chat.getUser() + ".");
        }
        showHistory(chat, false);
    }

    private void showHistory(ChatRef chat, boolean evenIfEmpty) {
        List<Incoming> recent;
        try {
            recent = client.history(chat, evenIfEmpty); // evenIfEmpty: an explicit /history shows it all again
        } catch (StatusRuntimeException e) {
            if (evenIfEmpty) {
                print(SPARTAN + e.getStatus().getDescription());
            }
            return;
        }
        if (recent.isEmpty()) {
            if (evenIfEmpty) {
                print(SPARTAN + "No recent messages.");
            }
            return;
        }
        print(SPARTAN + "Recent messages " + (chat.hasGroup() ? "in " + chat.getGroup() : "with " + chat.getUser())
                + ":");
        recent.forEach(m -> print(format(m)));
    }

    private boolean command(String line) {
        String[] words = line.split("\\s+");
        String arg = words.length > 1 ? words[1] : "";
        switch (words[0]) {
            case "/quit", "/exit" -> {
                return false;
            }
            case "/help" -> print(HELP);
            case "/users" ->
                call(() -> {
                    ListUsersResponse r = client.users();
                    print(SPARTAN + "Users: "
                            + r.getUsersList().stream()
                                    .filter(u -> !u.equals(me))
                                    .map(u -> r.getOnlineList().contains(u) ? u + "*" : u)
                                    .collect(Collectors.joining(",")));
                    print(SPARTAN + "Groups: "
                            + (r.getGroupsCount() == 0
                                    ? "(none)"
                                    : r.getGroupsList().stream()
                                            .map(g -> g.getName() + " (" + String.join(",", g.getMembersList()) + ")")
                                            .collect(Collectors.joining(", "))));
                });
            case "/chat" -> {
                if (arg.isEmpty()) {
                    print(SPARTAN + "Usage: /chat NAME");
                } else if (requests.contains(arg)) {
                    accept(arg);
                } else {
                    open(arg);
                }
            }
            case "/group" -> {
                if (client.group(arg).isEmpty()) {
                    print(SPARTAN
                            + (arg.isEmpty()
                                    ? "Usage: /group NAME"
                                    : "You are not a member of a group named '" + arg + "'."));
                } else {
                    enterChat(ChatIds.toGroup(arg));
                }
            }
            case "/history" -> {
                if (current == null) {
                    print(SPARTAN + "Open a chat first.");
                } else {
                    showHistory(current, true);
                }
            }
            case "/verify" ->
                call(() -> print(SPARTAN
                        + client.safetyNumber(arg)
                                .map(n -> "Safety number with " + arg + ": " + n + " (compare it with " + arg
                                        + "'s; if they match, no one is in between)")
                                .orElse(arg + " has no keys yet.")));
            case "/trust" ->
                print(SPARTAN
                        + (client.trust(arg)
                                ? "You now trust " + arg + "'s new key. Held messages will be sent."
                                : arg + "'s key has not changed; nothing to trust."));
            case "/newgroup" -> {
                if (words.length < 3) {
                    print(SPARTAN + "Usage: /newgroup NAME USER1 [USER2 ...]");
                } else {
                    call(() -> {
                        Group g = client.createGroup(arg, Arrays.asList(words).subList(2, words.length));
                        print(SPARTAN + "Created " + g.getName() + " (" + String.join(",", g.getMembersList()) + ").");
                    });
                }
            }
            case "/leave" -> {
                String name = !arg.isEmpty() ? arg : current != null && current.hasGroup() ? current.getGroup() : "";
                if (name.isEmpty()) {
                    print(SPARTAN + "Usage: /leave GROUP");
                } else {
                    call(() -> {
                        client.leaveGroup(name);
                        print(SPARTAN + "You left " + name + ".");
                        synchronized (this) {
                            if (current != null
                                    && current.hasGroup()
                                    && current.getGroup().equals(name)) {
                                current = null;
                                mode = Mode.CHOOSING;
                            }
                        }
                    });
                }
            }
            default -> print(SPARTAN + "Unknown command " + words[0] + ". Type /help for the list.");
        }
        return true;
    }

    /** Runs a server call; a refusal is shown in words, and the prompt comes back. */
    private void call(Runnable action) {
        try {
            action.run();
        } catch (StatusRuntimeException e) {
            String d = e.getStatus().getDescription();
            print(SPARTAN + (d != null ? d : e.getStatus().getCode().name()));
        }
    }

    private String format(Incoming m) {
        return m.isGroup()
                ? "[" + m.chat().getGroup() + "] [" + m.sender() + "] " + m.text()
                : "[" + m.sender() + "] " + m.text();
    }

    private void print(String text) {
        synchronized (terminal) {
            reader.printAbove(text);
            terminal.flush();
        }
    }

    private void changePrompt() {
        try {
            reader.callWidget(LineReader.REDRAW_LINE);
            reader.callWidget(LineReader.REDISPLAY);
        } catch (IllegalStateException notReading) {
            // The next readLine shows the new prompt.
        }
    }

    // ---- events from the client core ----

    /** Output from the client core: held back until the banner is printed, so a backlog shows after it. */
    private void show(String text) {
        synchronized (this) {
            if (!started) {
                early.add(text);
                return;
            }
        }
        print(text);
    }

    @Override
    public void message(Incoming message) {
        show(format(message));
    }

    @Override
    public void chatRequested(String from) {
        boolean ask;
        synchronized (this) {
            if (requests.contains(from)) {
                return;
            }
            requests.add(from);
            if (!started) {
                return;
            }
            ask = mode == Mode.CHOOSING;
            if (ask) {
                mode = Mode.ANSWERING;
            }
        }
        if (ask) {
            setPrompt();
        } else {
            print(SPARTAN + from + " is requesting to chat with you. Enter /chat " + from + " to accept.");
        }
    }

    @Override
    public void chatAccepted(String by) {
        show(SPARTAN + by + " accepted your chat request.");
    }

    @Override
    public void chatDeclined(String by) {
        boolean back;
        synchronized (this) {
            back = mode == Mode.CHATTING
                    && current.hasUser()
                    && current.getUser().equals(by);
            if (back) {
                current = null;
                mode = requests.isEmpty() ? Mode.CHOOSING : Mode.ANSWERING;
            }
        }
        show(SPARTAN + by + " declined to chat with you.");
        if (back) {
            setPrompt();
        }
    }

    @Override
    public void groupChanged(Group group, boolean removed) {
        if (!removed) {
            show(SPARTAN + "Group " + group.getName() + ": " + String.join(",", group.getMembersList()) + ".");
        }
    }

    @Override
    public void notice(String text) {
        show(SPARTAN + text);
    }

    @Override
    public void ended(String reason) {
        print(SPARTAN + reason);
        terminal.writer().flush();
        System.exit(2);
    }

    private void setPrompt() {
        String p = prompt();
        if (reader instanceof org.jline.reader.impl.LineReaderImpl impl) {
            impl.setPrompt(p);
        }
        changePrompt();
    }
}
