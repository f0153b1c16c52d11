package dev.spartan.client.tui;

import dev.spartan.client.ActionCommands;
import dev.spartan.client.ActionOptions;
import dev.spartan.client.Actions;
import dev.spartan.client.Attachments;
import dev.spartan.client.ChatClient;
import dev.spartan.client.ChatCommands;
import dev.spartan.client.ClientFeatures;
import dev.spartan.client.ClientListener;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.DeviceCommands;
import dev.spartan.client.Incoming;
import dev.spartan.client.Invitations;
import dev.spartan.client.Outboxes;
import dev.spartan.client.Refusals;
import dev.spartan.client.SendState;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Group;
import dev.spartan.proto.LoginResponse;
import io.grpc.StatusRuntimeException;
import java.io.IOError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jline.reader.EndOfFileException;
import org.jline.reader.UserInterruptException;
import org.jline.utils.AttributedString;

/**
 * The terminal client: the assignment's prompts and lines, with incoming lines printed above the prompt so that a
 * half-typed line is never garbled, and the prompt never changes under one. On a pipe ({@link PipeScreen}) the same
 * code reads lines and prints exactly the assignment's lines, its questions among them.
 *
 * <p>{@link #mode} is the mode of the prompt on the screen. Between reads only the main thread changes it; during a
 * read another thread may change it only while nothing is typed ({@link #switchIfIdle}), so a line is always handled
 * by the prompt it was typed at.
 */
public final class ConsoleUi implements ClientListener, ChatCommands.Front, ActionCommands.Front {
    /** How the terminal client looks; the pipe always looks like the assignment. */
    public record Settings(boolean timestamps, boolean receipts, Clock clock) {
        public Settings {
            Objects.requireNonNull(clock, "clock");
        }
    }

    /** How long piped input's end waits for queued messages before it reports them and exits with EXIT_UNSENT. */
    static final long PIPE_DRAIN_MILLIS = 10_000;
    /** Exit code when messages are left in the outbox at the end of piped input. */
    static final int EXIT_UNSENT = 3;

    static final String ENTER_USER = Look.SPARTAN + "Enter a user whom you want to chat with: ";
    /**
     * Terminal answers to queries (cursor position ESC[r;cR, device attributes ESC[?...c, mode reports ESC[?...$y).
     * Should one arrive after JLine stopped waiting for it, it would come in front of the user's line as if typed.
     */
    private static final Pattern CURSOR_REPORT = Pattern.compile("^(\u001B?\\[\\??[\\d;]*(R|c|\\$y))+");

    private enum Mode {
        CHOOSING,
        ANSWERING,
        CHATTING,
        QUITTING
    }

    private final Screen screen;
    private final Look look;
    private final Settings settings;
    private final Completion completion;

    /** Unanswered questions, oldest first: users who asked to chat, and groups this user was invited to. */
    private final Deque<String> requests = new ArrayDeque<>();
    /** The question of each group invitation among {@link #requests}, by group name. */
    private final Map<String, String> invitations = new ConcurrentHashMap<>(); // Completion reads it unlocked
    /** What the client core reported while connecting (the backlog): shown after the banner, in order. */
    private final List<List<AttributedString>> early = new ArrayList<>();

    private ChatClient client;
    private Transcript transcript;
    private Commands commands;
    private ChatCommands chats;
    private DeviceCommands devices;
    private ActionCommands actionCommands;
    private ActionLines actionLines;
    private ActionOptions optIns = ActionOptions.NONE;
    private final Typists typists = new Typists(this::refreshRightPrompt);
    private String me;
    private volatile List<String> users = List.of();
    private volatile Mode mode = Mode.CHOOSING;
    private volatile ChatRef current;
    private Mode beforeQuit = Mode.CHOOSING;
    private Map<ChatRef, Integer> quitting = Map.of();
    private boolean currentDeclined;
    /** The chat being opened: its messages wait until "You are now ready ..." is printed. */
    private String opening;

    private final List<Runnable> openingBacklog = new ArrayList<>();
    private boolean started;
    private volatile boolean ended;

    public ConsoleUi(Settings settings) throws IOException {
        this.settings = settings;
        this.screen = Screen.open();
        String noColor = System.getenv("NO_COLOR");
        this.look = screen.isInteractive()
                ? Look.terminal(noColor == null || noColor.isEmpty(), settings.timestamps(), settings.clock())
                : Look.pipe(settings.clock());
        this.completion = new Completion(
                () -> users,
                () -> client == null ? List.of() : client.groupNames(),
                () -> List.copyOf(invitations.keySet()),
                () -> mode == Mode.CHOOSING || mode == Mode.ANSWERING);
        screen.completeWith(completion);
    }

    /** Turns on read receipts and typing indicators (issue 26); both are off by default. */
    public ConsoleUi optIn(ActionOptions options) {
        this.optIns = Objects.requireNonNull(options, "options");
        return this;
    }

    /** Runs the client until /quit or end of input; returns the process exit code. */
    public int run(ClientOptions options, int displayPort) {
        Thread.setDefaultUncaughtExceptionHandler(
                (t, e) -> System.err.println(Look.SPARTAN + "internal error in " + t.getName() + ": " + e));
        me = options.user();
        transcript = new Transcript(screen, look, me, () -> current, this::isCurrent, lines -> show(lines, false));
        LoginResponse login;
        try {
            client = new ChatClient(
                    options, this, new ClientFeatures(true, screen.isInteractive() && settings.receipts()));
            if (screen.isInteractive()) {
                client.attachments().watch(new FileLines(transcript)); // before connect: it resumes transfers
            }
            login = client.connect();
        } catch (StatusRuntimeException e) {
            notice(Refusals.connectFailure(e, options.servers()), true);
            return 1;
        } catch (IllegalStateException | IllegalArgumentException | UncheckedIOException e) {
            notice(e.getMessage(), true);
            return 1;
        }
        users = login.getUsersList().stream().filter(u -> !u.equals(me)).toList();
        commands =
                new Commands(client, transcript, screen, look, me, () -> users, () -> current, t -> notice(t, false));
        chats = new ChatCommands(client, this);
        devices = new DeviceCommands(client, t -> notice(t, false), t -> notice(t, false));
        hookActions();
        notice(
                "Connected to Spartan Server at port " + (login.getPort() > 0 ? login.getPort() : displayPort) + ".",
                true);
        notice("User list: " + String.join(",", users), true);
        List<List<AttributedString>> backlog;
        synchronized (this) {
            started = true;
            backlog = new ArrayList<>(early);
            early.clear();
        }
        backlog.forEach(screen::print);
        int code = loop();
        if (ended) {
            return 2;
        }
        client.close(0);
        return code;
    }

    /** Message actions (issue 26): their commands, how they look, @ completion, typing indicators. */
    private void hookActions() {
        actionCommands = new ActionCommands(client, this);
        actionLines =
                new ActionLines(look, me, () -> current, id -> client.actions().tally(id));
        transcript.viewWith(client.actions()::view);
        completion.mentionsFrom(() -> {
            ChatRef on = current;
            return on == null || !on.hasGroup()
                    ? List.of()
                    : client.group(on.getGroup())
                            .<List<String>>map(Group::getMembersList)
                            .orElse(List.of());
        });
        if (optIns.typing()) {
            screen.onKey(typed -> {
                ChatRef on = current;
                if (mode == Mode.CHATTING && on != null && !typed.startsWith("/")) {
                    client.typing(on);
                }
            });
        }
    }

    private int loop() {
        try {
            while (true) {
                Prompt prompt;
                synchronized (this) {
                    prepareRead();
                    prompt = prompt();
                }
                String line;
                try {
                    line = screen.readLine(prompt, rightPrompt());
                } catch (UserInterruptException e) {
                    Thread.interrupted(); // JLine may leave the flag set, which would interrupt the next read too
                    if (ended) {
                        return 2;
                    }
                    if (!screen.isInteractive()) {
                        return endOfInput();
                    }
                    if (!screen.isNewCtrlC() || !e.getPartialLine().isEmpty()) {
                        continue; // the same press reported twice, or a line with text on it: cleared
                    }
                    if (mode == Mode.QUITTING || quitOrAsk()) {
                        return 0;
                    }
                    continue;
                } catch (EndOfFileException e) {
                    if (ended) {
                        return 2; // the session was closed under the read
                    }
                    if (!screen.isInteractive()) {
                        client.attachments().awaitIdle(Attachments.STALL_MILLIS); // a script's /send, /save
                        return endOfInput();
                    }
                    if (mode == Mode.QUITTING || quitOrAsk()) {
                        return 0; // the second Ctrl-D quits without asking again
                    }
                    continue;
                }
                if (ended) {
                    return 2;
                }
                if (screen.interrupted()) {
                    // Ctrl-C on an empty line: like /quit (with text on it, it only cleared the line)
                    if (mode == Mode.QUITTING || quitOrAsk()) {
                        return 0;
                    }
                    continue;
                }
                line = CURSOR_REPORT.matcher(line).replaceFirst("").strip();
                if (line.equals("/logout")) {
                    notice(
                            client.logout()
                                    ? "Logged out: this session's token no longer works."
                                    : "Could not reach the server to log out; the session ends when its token expires.",
                            true);
                    return 0;
                }
                synchronized (this) {
                    prompt = prompt(); // the prompt may have changed while the line was empty
                }
                if (!handle(prompt, line)) {
                    return screen.isInteractive() ? 0 : endOfInput();
                }
            }
        } catch (RuntimeException | IOError e) {
            if (!ended) {
                notice("the terminal went away: " + e.getMessage(), true);
            }
            return ended ? 2 : 1;
        }
    }

    /** Brings the mode up to date before a read: what changed while a line was typed takes effect now. */
    private void prepareRead() {
        if (currentDeclined) {
            currentDeclined = false;
            current = null;
            if (mode == Mode.CHATTING) {
                mode = Mode.CHOOSING;
            }
        }
        if (mode == Mode.CHATTING && current == null) {
            mode = Mode.CHOOSING;
        }
        if (mode == Mode.ANSWERING && requests.isEmpty()) {
            mode = Mode.CHOOSING;
        }
        if (mode == Mode.CHOOSING && !requests.isEmpty()) {
            mode = Mode.ANSWERING; // a request becomes the question once the line is empty
        }
    }

    private Prompt prompt() {
        return switch (mode) {
            case CHOOSING -> new Prompt(ENTER_USER, true);
            case ANSWERING -> new Prompt(question(requests.peek()), true);
            case CHATTING ->
                new Prompt(
                        current.hasGroup()
                                ? "[" + SafeText.line(current.getGroup()) + "] [" + me + "] > "
                                : "[" + me + "] > ",
                        false);
            case QUITTING ->
                new Prompt(
                        Look.SPARTAN + Outboxes.stillQueued(quitting)
                                + " the next time you start the client. Quit anyway? (yes/no) ",
                        true);
        };
    }

    private String question(String name) {
        String invitation = invitations.get(name);
        return invitation != null
                ? Look.SPARTAN + SafeText.line(invitation) + " Enter 'yes' to join or 'no': "
                : Look.SPARTAN + SafeText.line(name)
                        + " is requesting to chat with you. Enter 'yes' to accept or different user: ";
    }

    @Override
    public synchronized boolean isInvitation(String name) {
        return invitations.containsKey(name) || client.invitation(name).isPresent();
    }

    private AttributedString rightPrompt() {
        if (!screen.isInteractive() || client == null) {
            return null;
        }
        ChatRef to = current;
        String name = to == null || mode != Mode.CHATTING ? null : Transcript.nameOf(to);
        List<String> others = new ArrayList<>(typists.now());
        others.addAll(transcript.unreadElsewhere(name));
        return look.rightPrompt(name, others, Outboxes.total(client.unsent()));
    }

    private void refreshRightPrompt() {
        if (screen.isInteractive() && started) {
            screen.rightPrompt(rightPrompt());
        }
    }

    /**
     * Changes the mode, and the prompt on the screen with it, if the user is at an empty prompt. Otherwise nothing
     * changes now: the line being typed keeps its prompt.
     */
    private boolean switchIfIdle(Supplier<Boolean> change) {
        return screen.ifIdle(
                () -> {
                    Prompt prompt;
                    synchronized (this) {
                        if (!change.get()) {
                            return null;
                        }
                        prepareRead();
                        prompt = prompt();
                    }
                    return prompt;
                },
                this::rightPrompt);
    }

    /** Returns false to leave. */
    private boolean handle(Prompt prompt, String line) {
        if (screen.isInteractive() && !line.isEmpty() && (mode != Mode.CHATTING || line.startsWith("/"))) {
            // The typed line was erased with the prompt: show it again (safe, should it hold a pasted escape).
            screen.print(look.plain(prompt.text() + SafeText.line(line)));
        }
        if (mode == Mode.QUITTING) {
            if (line.equalsIgnoreCase("yes")) {
                return false;
            }
            synchronized (this) {
                mode = beforeQuit;
            }
            if (!line.startsWith("/")) {
                return true;
            }
        }
        if (devices.asking() && !line.startsWith("/") && !line.isEmpty()) {
            devices.answer(line); // the yes or no to /link
            return true;
        }
        if (line.startsWith("/")) {
            return command(line);
        }
        if (line.isEmpty()) {
            return true;
        }
        switch (mode) {
            case CHOOSING -> open(line);
            case ANSWERING -> answer(line);
            case CHATTING -> send(line);
            default -> {}
        }
        return true;
    }

    private void answer(String line) {
        String requester;
        synchronized (this) {
            requester = requests.peek();
        }
        if (requester == null) {
            open(line);
            return;
        }
        chats.answer(requester, line);
    }

    @Override
    public void declineAndOpen(String requester, String name) {
        call(() -> client.answerChat(requester, false));
        synchronized (this) {
            requests.remove(requester);
            mode = Mode.CHOOSING;
        }
        open(name);
    }

    @Override
    public void join(String group) {
        call(() -> {
            Optional<Group> joined = client.answerGroup(group, true);
            answered(group);
            if (joined.isPresent()) {
                enterChat(ChatIds.toGroup(group));
            }
        });
    }

    @Override
    public void declineInvitation(String group) {
        call(() -> {
            client.answerGroup(group, false);
            answered(group);
            notice("You declined to join " + group + ".", false);
        });
    }

    @Override
    public void accept(String requester) {
        opening(requester, () -> {
            client.answerChat(requester, true);
            synchronized (this) {
                requests.remove(requester);
            }
            enterChat(ChatIds.toUser(requester));
        });
    }

    /**
     * Runs the call that opens a chat: what the chat's peer sent before (held messages, released by an accept) may
     * arrive while it runs, and is shown after the "ready" line rather than before it.
     */
    private void opening(String name, Runnable action) {
        synchronized (this) {
            opening = name;
        }
        try {
            call(action);
        } finally {
            showOpeningBacklog();
        }
    }

    private void showOpeningBacklog() {
        List<Runnable> backlog;
        synchronized (this) {
            opening = null;
            backlog = new ArrayList<>(openingBacklog);
            openingBacklog.clear();
        }
        backlog.forEach(Runnable::run);
    }

    /** A group invitation was answered: no longer asked. */
    private synchronized void answered(String group) {
        requests.remove(group);
        invitations.remove(group);
        if (mode == Mode.ANSWERING) {
            mode = Mode.CHOOSING;
        }
    }

    @Override
    public void decline(String requester) {
        call(() -> {
            client.answerChat(requester, false);
            synchronized (this) {
                requests.remove(requester);
                if (mode == Mode.ANSWERING) {
                    mode = Mode.CHOOSING;
                }
            }
            notice("You declined to chat with " + requester + ".", false);
        });
    }

    /** Opens a chat by name: a group the user is in, or a user to request. */
    @Override
    public void open(String name) {
        if (client.group(name).isPresent()) {
            enterChat(ChatIds.toGroup(name));
            return;
        }
        opening(name, () -> {
            client.requestChat(name);
            synchronized (this) {
                requests.remove(name);
            }
            enterChat(ChatIds.toUser(name));
        });
    }

    @Override
    public void enter(ChatRef chat) {
        enterChat(chat);
    }

    @Override
    public void refuse(String text) {
        notice(text, false);
    }

    private void enterChat(ChatRef chat) {
        client.discardKeptExcept(chat).forEach(dropped -> notice(dropped, false));
        synchronized (this) {
            current = chat;
            mode = Mode.CHATTING;
        }
        boolean first = transcript.opened(chat);
        if (chat.hasGroup()) {
            Group g = client.group(chat.getGroup()).orElseThrow();
            notice(
                    "You are now ready to chat in " + g.getName() + " (" + String.join(",", g.getMembersList()) + ").",
                    false);
        } else {
            notice("You are now ready to chat with " + chat.getUser() + ".", false);
        }
        showOpeningBacklog();
        if (!first) {
            transcript.showRecent(chat);
            return;
        }
        try {
            List<Incoming> recent = client.history(chat, false); // what came before this session
            if (!recent.isEmpty()) {
                transcript.showHistory(chat, recent);
            }
        } catch (StatusRuntimeException e) {
            // The chat is open all the same; its history shows on the next /history.
        }
    }

    private void send(String text) {
        ChatRef to = current;
        try {
            transcript.typed(to, text, () -> client.send(to, text));
        } catch (UncheckedIOException | IllegalArgumentException e) {
            notice("Message not sent: " + e.getMessage(), false);
        }
        refreshRightPrompt();
    }

    private boolean command(String line) {
        String[] words = line.split("\\s+");
        if (words[0].equals("/quit") || words[0].equals("/exit")) {
            return screen.isInteractive() && !quitOrAsk();
        }
        if (devices.run(words)) {
            return true;
        }
        if (actionCommands.run(line)) {
            refreshRightPrompt();
            return true;
        }
        if (!chats.run(words)) {
            if (!commands.run(words)) {
                notice("Unknown command " + words[0] + ". Type /help for the list.", false);
            }
            refreshRightPrompt();
        }
        return true;
    }

    @Override
    public ChatRef current() {
        return current;
    }

    @Override
    public void leave(String name) {
        call(() -> {
            client.leaveGroup(name);
            notice("You left " + name + ".", false);
            answered(name); // an invitation left is an invitation declined
            synchronized (this) {
                if (current != null && current.hasGroup() && current.getGroup().equals(name)) {
                    current = null;
                    mode = Mode.CHOOSING;
                }
            }
        });
    }

    @Override
    public synchronized boolean isRequester(String name) {
        return requests.contains(name);
    }

    @Override
    public synchronized String onlyRequester() {
        return requests.size() == 1 ? requests.peek() : null;
    }

    /**
     * /quit, Ctrl-D or Ctrl-C on a terminal: true to leave now; false if messages are still queued, and the next
     * prompt asks whether to quit anyway.
     */
    private boolean quitOrAsk() {
        Map<ChatRef, Integer> left = client.unsent();
        if (!left.isEmpty() && client.isSending()) {
            left = client.awaitSent(2_000); // they are going out right now: a moment is enough
        }
        if (left.isEmpty()) {
            return true;
        }
        synchronized (this) {
            beforeQuit = mode;
            quitting = new LinkedHashMap<>(left);
            mode = Mode.QUITTING;
        }
        return false;
    }

    /** The end of piped input: wait a bounded time for queued messages, then say what is left. */
    private int endOfInput() {
        Map<ChatRef, Integer> left = client.awaitSent(PIPE_DRAIN_MILLIS);
        if (left.isEmpty()) {
            return 0;
        }
        notice(Outboxes.stillQueued(left) + " the next time you start the client.", false);
        return EXIT_UNSENT;
    }

    /** Runs a server call; a refusal is shown in words, and the prompt comes back. */
    private void call(Runnable action) {
        commands.call(action);
    }

    private boolean isCurrent(String chat) {
        ChatRef c = current;
        return mode == Mode.CHATTING && c != null && Transcript.nameOf(c).equals(chat);
    }

    // ---- output ----

    /** A line from the client; {@code now} prints it even before the banner. */
    private void notice(String text, boolean now) {
        show(List.of(look.notice(text)), now);
    }

    /** Output from the client core: held back until the banner is printed, so a backlog shows after it. */
    private void show(List<AttributedString> lines, boolean now) {
        if (!now) {
            synchronized (this) {
                if (!started && client != null) {
                    early.add(lines);
                    return;
                }
            }
        }
        screen.print(lines);
    }

    // ---- events from the client core ----

    @Override
    public void message(Incoming message) {
        if (!deferWhileOpening(message.peerOrGroup(), () -> display(message))) {
            display(message);
        }
    }

    private void display(Incoming message) {
        transcript.arrived(message);
        if (optIns.readReceipts() && !message.isGroup() && isCurrent(message.peerOrGroup())) {
            client.markRead(message.sender(), List.of(message.messageId())); // seen in the open chat
        }
        refreshRightPrompt();
    }

    @Override
    public void sendState(String messageId, ChatRef to, SendState state) {
        transcript.state(messageId, state);
        refreshRightPrompt();
    }

    @Override
    public void chatRequested(String from) {
        synchronized (this) {
            if (requests.contains(from)) {
                return;
            }
            requests.add(from);
            if (!started) {
                return;
            }
        }
        boolean asked = mode == Mode.CHOOSING && switchIfIdle(() -> mode == Mode.CHOOSING);
        if (!asked) {
            notice(from + " is requesting to chat with you: /accept " + from + " or /decline " + from + ".", false);
        }
    }

    @Override
    public void groupInvited(Invitations.Open invitation) {
        String name = invitation.group().getName();
        synchronized (this) {
            if (requests.contains(name)) {
                return;
            }
            requests.add(name);
            invitations.put(name, invitation.question());
            if (!started) {
                return;
            }
        }
        boolean asked = mode == Mode.CHOOSING && switchIfIdle(() -> mode == Mode.CHOOSING);
        if (!asked) {
            notice(invitation.question() + " /accept " + name + " to join or /decline " + name + ".", false);
        }
    }

    @Override
    public void chatAccepted(String by) {
        Runnable say = () -> notice(by + " accepted your chat request.", false);
        if (!deferWhileOpening(by, say)) {
            say.run();
        }
    }

    /** Keeps output about the chat being opened until its "ready" line is printed; false if not opening it. */
    private synchronized boolean deferWhileOpening(String chat, Runnable output) {
        if (!chat.equals(opening)) {
            return false;
        }
        openingBacklog.add(output);
        return true;
    }

    @Override
    public void chatDeclined(String by) {
        // A decline of the chat being opened comes after its "ready" line, and then takes the user out of it.
        Runnable decline = () -> declined(by);
        if (!deferWhileOpening(by, decline)) {
            decline.run();
        }
    }

    private void declined(String by) {
        synchronized (this) {
            requests.remove(by);
        }
        notice(by + " declined to chat with you.", false);
        ChatRef declined = ChatIds.toUser(by);
        if (declined.equals(current)) {
            boolean moved = switchIfIdle(() -> {
                if (!declined.equals(current)) {
                    return false;
                }
                current = null;
                mode = Mode.CHOOSING;
                return true;
            });
            if (!moved) {
                synchronized (this) {
                    currentDeclined = declined.equals(current); // the line being typed keeps its prompt
                }
            }
        }
    }

    @Override
    public void messagesKept(String peer, int count) {
        Runnable say = () -> notice(Outboxes.kept(peer, count), false);
        if (!deferWhileOpening(peer, say)) {
            say.run();
        }
    }

    @Override
    public void groupChanged(Group group, boolean removed) {
        if (removed) {
            synchronized (this) {
                requests.remove(group.getName());
                invitations.remove(group.getName());
            }
        } else {
            notice("Group " + group.getName() + ": " + String.join(",", group.getMembersList()) + ".", false);
        }
    }

    @Override
    public void notice(String text) {
        notice(text, false);
    }

    // ---- message actions (issue 26) ----

    @Override
    public void changed(Actions.Change change) {
        show(actionLines.lines(change), false);
        refreshRightPrompt();
    }

    @Override
    public void typing(String from, ChatRef chat) {
        if (!optIns.typing()) {
            return;
        }
        String who = chat.hasGroup() ? from + " in " + chat.getGroup() : from;
        if (screen.isInteractive()) {
            typists.typing(who);
        } else {
            notice(who + " is typing.", false);
        }
    }

    @Override
    public void typed(ChatRef to, String text, Supplier<String> send) {
        try {
            transcript.typed(to, text, send);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            notice("Message not sent: " + e.getMessage(), false);
        }
        refreshRightPrompt();
    }

    @Override
    public void error(String text, io.grpc.Status.Code code) {
        notice(text, false);
    }

    @Override
    public void ended(String reason) {
        ended = true;
        screen.print(look.notice(reason));
        screen.flush();
        // Closing the terminal restores its modes and ends the read on the main thread, which then exits with 2.
        // Should that read not end, the process still stops, without running anything that could print a trace.
        screen.close();
        Thread stop = new Thread(
                () -> {
                    try {
                        Thread.sleep(3_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    Runtime.getRuntime().halt(2);
                },
                "spartan-ended");
        stop.setDaemon(true);
        stop.start();
    }
}
