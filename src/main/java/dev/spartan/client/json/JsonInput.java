package dev.spartan.client.json;

import dev.spartan.client.ActionCommands;
import dev.spartan.client.Actions;
import dev.spartan.client.ChatClient;
import dev.spartan.client.ChatCommands;
import dev.spartan.client.Incoming;
import dev.spartan.client.SendState;
import dev.spartan.client.WordCommands;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Group;
import dev.spartan.proto.ListUsersResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a line of stdin means in {@code --json} mode, as on a terminal: with a chat open, text is a message to it;
 * with none, a pending request is answered ({@code yes}, {@code no}, or another name, which declines and asks that
 * user), else a name opens a chat; and the slash commands. Each outcome is an event; a refusal is an
 * {@code error} event, never a bare line.
 */
final class JsonInput implements ChatCommands.Front {
    /** Sends a typed line and reports it (the front end knows how to order it before its receipts). */
    interface Sender {
        void send(ChatClient client, ChatRef to, String text);
    }

    static final String HELP = "Commands: /chat NAME, /group NAME, /accept NAME, /decline NAME, /users,"
            + " /history [N], /discard [NAME], /verify NAME, /trust NAME, /newgroup NAME USER1 [USER2 ...],"
            + " /leave [NAME], /reply [N] TEXT, /edit [N] TEXT, /delete [N], /react [N] EMOJI,"
            + " /timer 5s|10m|1h|1d|off, /send PATH, /save N [DIR], /files, /link CODE, /devices, /unlink N, /help, /logout, /quit. Any other line is a message to the chat open, or, with none"
            + " open, the answer to a chat request (yes, no, or a name) or group invitation (yes or no), or the name of"
            + " a user or group to chat with.";

    private final ChatClient client;
    private final JsonOut out;
    private final Clock clock;
    private final Sender sender;
    private final WordCommands answers;
    private final ChatCommands chats;
    private final ActionCommands actions;
    private final JsonFiles files;
    private final dev.spartan.client.FileCommands fileCommands;
    private final dev.spartan.client.DeviceCommands devices;
    private volatile List<String> users = List.of();

    // Guarded by this: the requests not answered yet, oldest first, and the chat lines go to (null: none).
    private final Deque<String> requests = new ArrayDeque<>();
    private ChatRef current;

    JsonInput(ChatClient client, JsonOut out, Clock clock, Sender sender) {
        this.client = client;
        this.out = out;
        this.clock = clock;
        this.sender = sender;
        this.answers = new WordCommands(client, () -> users, new WordCommands.Replies() {
            @Override
            public void notice(String text) {
                JsonInput.this.notice(text);
            }

            @Override
            public void error(String text, Status.Code code) {
                out.emit(JsonEvent.error(text, code, clock.millis()));
            }
        });
        this.chats = new ChatCommands(client, this);
        this.files = new JsonFiles(out, clock, client.user());
        this.fileCommands = new dev.spartan.client.FileCommands(client.attachments());
        this.devices = new dev.spartan.client.DeviceCommands(client, this::notice, this::error);
        this.actions = new ActionCommands(client, new ActionCommands.Front() {
            @Override
            public ChatRef current() {
                return JsonInput.this.current();
            }

            @Override
            public void typed(ChatRef to, String text, Supplier<String> send) {
                try {
                    String id = send.get();
                    out.emit(JsonEvent.sent(to, client.user(), text, id, SendState.QUEUED, clock.millis()));
                } catch (RuntimeException e) {
                    out.emit(JsonEvent.error("Message not sent: " + e.getMessage(), null, clock.millis()));
                }
            }

            @Override
            public void changed(Actions.Change change) {
                out.emit(action(client, change, clock.millis()));
            }

            @Override
            public void notice(String text) {
                JsonInput.this.notice(text);
            }

            @Override
            public void error(String text, Status.Code code) {
                out.emit(JsonEvent.error(text, code, clock.millis()));
            }
        });
    }

    /** The event of a message action, with the message's reactions and the chat's timer as they are now. */
    static JsonEvent action(ChatClient client, Actions.Change change, long ts) {
        ChatRef chat = change.group() ? ChatIds.toGroup(change.chat()) : ChatIds.toUser(change.chat());
        return JsonEvent.action(
                change,
                change.target() == null
                        ? ""
                        : client.actions().tally(change.target().messageId()),
                client.actions().timerOf(chat),
                ts);
    }

    void knowUsers(List<String> others) {
        users = List.copyOf(others);
    }

    /** A chat request or group invitation arrived; false if it was already waiting for an answer. */
    synchronized boolean requested(String from) {
        if (requests.contains(from)) {
            return false;
        }
        requests.add(from);
        return true;
    }

    /** The peer declined (or the group is gone): no longer a request, and no longer the chat lines go to. */
    synchronized void declined(String by) {
        requests.remove(by);
        if (ChatIds.toUser(by).equals(current)) {
            current = null;
        }
    }

    void handle(String line) {
        if (line.isEmpty()) {
            return;
        }
        if (devices.asking() && !line.startsWith("/")) {
            devices.answer(line); // the link's question takes the next line that is not a command
            return;
        }
        if (line.startsWith("/")) {
            if (!actions.run(line)) {
                command(line.split("\\s+"));
            }
            return;
        }
        ChatRef to;
        String requester;
        synchronized (this) {
            to = current;
            requester = requests.peek();
        }
        if (to != null) {
            sender.send(client, to, line);
        } else if (requester != null) {
            chats.answer(requester, line);
        } else {
            open(line);
        }
    }

    @Override
    public void declineAndOpen(String requester, String name) {
        call(() -> client.answerChat(requester, false));
        forget(requester);
        open(name);
    }

    @Override
    public boolean isInvitation(String name) {
        return client.invitation(name).isPresent();
    }

    @Override
    public void join(String group) {
        call(() -> {
            boolean joined = client.answerGroup(group, true).isPresent();
            forget(group);
            if (joined) {
                enter(ChatIds.toGroup(group));
            }
        });
    }

    @Override
    public void declineInvitation(String group) {
        call(() -> {
            client.answerGroup(group, false);
            forget(group);
            notice("You declined to join " + group + ".");
        });
    }

    @Override
    public void accept(String requester) {
        call(() -> {
            client.answerChat(requester, true);
            forget(requester);
            enter(ChatIds.toUser(requester));
        });
    }

    @Override
    public void decline(String requester) {
        call(() -> {
            client.answerChat(requester, false);
            forget(requester);
            notice("You declined to chat with " + requester + ".");
        });
    }

    @Override
    public void open(String name) {
        if (client.group(name).isPresent()) {
            enter(ChatIds.toGroup(name));
            return;
        }
        call(() -> {
            client.requestChat(name);
            forget(name);
            enter(ChatIds.toUser(name));
        });
    }

    /** Lines go to {@code chat} from now on; what it had before this session comes first, as history. */
    @Override
    public void enter(ChatRef chat) {
        client.discardKeptExcept(chat).forEach(this::notice);
        synchronized (this) {
            current = chat;
        }
        List<String> members = client.group(chat.getGroup())
                .<List<String>>map(Group::getMembersList)
                .orElse(List.of());
        out.emit(JsonEvent.ready(chat, members, clock.millis()));
        try {
            client.history(chat, false).forEach(m -> out.emit(JsonEvent.message(m, true)));
        } catch (StatusRuntimeException e) {
            // The chat is open all the same; /history asks again.
        }
    }

    @Override
    public void refuse(String text) {
        error(text);
    }

    private synchronized void forget(String requester) {
        requests.remove(requester);
    }

    private void command(String[] words) {
        String arg = words.length > 1 ? words[1] : "";
        switch (words[0]) {
            case "/users" -> call(this::users);
            case "/history" -> history(arg);
            case "/help" -> notice(HELP);
            case "/clear" -> {} // nothing on a screen to clear
            case "/files" -> listFiles();
            case "/send", "/save" -> fileCommands.run(words, current(), this::error); // its events say the rest
            default -> {
                if (!devices.run(words) && !chats.run(words) && !answers.run(words)) {
                    error("Unknown command " + words[0] + ". Type /help for the list.");
                }
            }
        }
    }

    @Override
    public synchronized boolean isRequester(String name) {
        return requests.contains(name);
    }

    @Override
    public synchronized String onlyRequester() {
        return requests.size() == 1 ? requests.peek() : null;
    }

    @Override
    public synchronized ChatRef current() {
        return current;
    }

    @Override
    public void leave(String name) {
        call(() -> {
            client.leaveGroup(name);
            synchronized (this) {
                requests.remove(name); // an invitation left is an invitation declined
                if (ChatIds.toGroup(name).equals(current)) {
                    current = null;
                }
            }
            notice("You left " + name + ".");
        });
    }

    /** The file events' source, for the client to report transfers to (before it connects: it resumes them). */
    JsonFiles files() {
        return files;
    }

    private void listFiles() {
        ChatRef chat = current();
        if (chat == null) {
            error("Open a chat first.");
            return;
        }
        out.emit(files.list(chat, client.attachments().files(chat)));
    }

    private void users() {
        ListUsersResponse r = client.users();
        String me = client.user();
        out.emit(JsonEvent.users(
                r.getUsersList().stream().filter(u -> !u.equals(me)).toList(),
                r.getOnlineList().stream().filter(u -> !u.equals(me)).toList(),
                r.getGroupsList().stream().map(Group::getName).toList(),
                clock.millis()));
    }

    /** The recent messages of the open chat (the last N with a number), as history events. */
    private void history(String arg) {
        ChatRef chat;
        synchronized (this) {
            chat = current;
        }
        if (chat == null) {
            error("Open a chat first.");
            return;
        }
        int n = arg.isEmpty() ? Integer.MAX_VALUE : parseCount(arg);
        if (n < 1) {
            error("Usage: /history [N], N at least 1");
            return;
        }
        call(() -> {
            List<Incoming> recent = client.history(chat, true);
            recent.subList(Math.max(0, recent.size() - n), recent.size())
                    .forEach(m -> out.emit(JsonEvent.message(m, true)));
        });
    }

    private static int parseCount(String arg) {
        try {
            return Integer.parseInt(arg);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Runs a server call; a refusal becomes an error event with the server's status. */
    private void call(Runnable action) {
        answers.call(action);
    }

    private void notice(String text) {
        out.emit(JsonEvent.notice(text, clock.millis()));
    }

    private void error(String text) {
        out.emit(JsonEvent.error(text, null, clock.millis()));
    }
}
