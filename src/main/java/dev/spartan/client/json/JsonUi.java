package dev.spartan.client.json;

import dev.spartan.client.ActionOptions;
import dev.spartan.client.Actions;
import dev.spartan.client.ChatClient;
import dev.spartan.client.ClientFeatures;
import dev.spartan.client.ClientListener;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.Incoming;
import dev.spartan.client.Invitations;
import dev.spartan.client.Outboxes;
import dev.spartan.client.Refusals;
import dev.spartan.client.SendState;
import dev.spartan.client.TypedLines;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Group;
import dev.spartan.proto.LoginResponse;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code spartan client NAME --json}, the front end for scripts and bots: the lines of stdin are read as on a
 * terminal ({@link JsonInput}), and stdout carries one JSON object per line for every event and nothing else
 * ({@link JsonEvent}). The client core, its keys and its durable outbox are those of the terminal client.
 */
public final class JsonUi implements ClientListener {
    /** How long the end of input waits for queued messages before it reports them and exits with EXIT_UNSENT. */
    static final long DRAIN_MILLIS = 10_000;

    static final int EXIT_UNSENT = 3;

    private final boolean receipts;
    private final Clock clock;
    private volatile JsonOut out;
    private volatile TypedLines lines;
    private volatile JsonInput input;
    private volatile boolean ended;
    private volatile ActionOptions optIns = ActionOptions.NONE;
    private volatile ChatClient core;

    /** The thread sending a typed line right now, and the state its message entered the outbox with. */
    private volatile Thread submitter;

    private volatile SendState submitted;

    /** The peer's confirmations (delivered, read) of recent messages: a late "stored" never follows them. */
    private final Map<String, SendState> confirmed = new LinkedHashMap<>(256, 0.75f, false) { // under its own lock
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, SendState> eldest) {
                    return size() > 10_000;
                }
            };

    /**
     * A JSON front end.
     *
     * @param receipts send delivery receipts for the 1:1 messages reported (they are always received)
     */
    public JsonUi(boolean receipts, Clock clock) {
        this.receipts = receipts;
        this.clock = clock;
    }

    /** Runs the client on this process's stdin and stdout until the end of input; returns the exit code. */
    public int run(ClientOptions options, int displayPort) {
        PrintStream stdout = System.out;
        System.setOut(System.err); // whatever else would print to stdout (a library) must not break the stream
        return run(options, displayPort, System.in, stdout);
    }

    int run(ClientOptions options, int displayPort, InputStream stdin, PrintStream stdout) {
        out = new JsonOut(stdout);
        Thread.setDefaultUncaughtExceptionHandler(
                (t, e) -> out.emitNow(JsonEvent.error("internal error in " + t.getName() + ": " + e, null, now())));
        ChatClient client;
        LoginResponse login;
        try {
            client = new ChatClient(options, this, new ClientFeatures(true, receipts));
            core = client;
            input = new JsonInput(client, out, clock, this::sending);
            client.attachments().watch(input.files()); // before connect: it resumes transfers
            login = client.connect();
        } catch (StatusRuntimeException e) {
            out.emitNow(JsonEvent.error(
                    Refusals.connectFailure(e, options.servers()), e.getStatus().getCode(), now()));
            return 1;
        } catch (IllegalStateException | IllegalArgumentException | UncheckedIOException e) {
            out.emitNow(JsonEvent.error(e.getMessage(), null, now()));
            return 1;
        }
        List<String> users = login.getUsersList().stream()
                .filter(u -> !u.equals(options.user()))
                .toList();
        input.knowUsers(users);
        out.emitNow(JsonEvent.connected(
                options.user(),
                login.getPort() > 0 ? login.getPort() : displayPort,
                users,
                client.groupNames(),
                now()));
        out.start();
        lines = new TypedLines(stdin);
        if (ended) {
            return 2; // the session was closed while it started
        }
        int code = loop(client);
        if (ended) {
            return 2;
        }
        client.close(0);
        return code;
    }

    private int loop(ChatClient client) {
        while (true) {
            Optional<String> next = lines.next();
            if (ended) {
                return 2;
            }
            if (next.isEmpty()) {
                client.attachments().awaitIdle(dev.spartan.client.Attachments.STALL_MILLIS); // a bot's /send, /save
                return endOfInput(client);
            }
            String line = next.get().strip();
            if (line.equals("/logout")) {
                out.emit(
                        client.logout()
                                ? JsonEvent.notice("Logged out: this session's token no longer works.", now())
                                : JsonEvent.error(
                                        "Could not reach the server to log out; the session ends when its token"
                                                + " expires.",
                                        null,
                                        now()));
                return 0;
            }
            if (line.equals("/quit") || line.equals("/exit")) {
                return endOfInput(client);
            }
            input.handle(line);
        }
    }

    /** The end of input, or /quit: wait a bounded time for queued messages, then say what is left. */
    private int endOfInput(ChatClient client) {
        Map<ChatRef, Integer> left = client.awaitSent(DRAIN_MILLIS);
        if (left.isEmpty()) {
            return 0;
        }
        out.emit(JsonEvent.error(Outboxes.stillQueued(left) + " the next time you start the client.", null, now()));
        return EXIT_UNSENT;
    }

    /**
     * Sends a typed line and reports it as {@code sent}, with its id, before anything the server answers about it:
     * the outbox tells the state it was queued in on this thread, while the send runs.
     */
    private void sending(ChatClient client, ChatRef to, String text) {
        submitted = SendState.QUEUED;
        submitter = Thread.currentThread();
        try {
            String id = client.send(to, text);
            out.emit(JsonEvent.sent(to, client.user(), text, id, submitted, now()));
        } catch (UncheckedIOException | IllegalArgumentException e) {
            out.emit(JsonEvent.error("Message not sent: " + e.getMessage(), null, now()));
        } finally {
            submitter = null;
        }
    }

    private long now() {
        return clock.millis();
    }

    // ---- events from the client core ----

    @Override
    public void message(Incoming message) {
        out.emit(JsonEvent.message(message, false));
        if (optIns.readReceipts()
                && !message.isGroup()
                && ChatIds.toUser(message.sender()).equals(input.current())) {
            core.markRead(message.sender(), List.of(message.messageId()));
        }
    }

    /** Turns on read receipts and typing indicators (issue 26). */
    public JsonUi optIn(ActionOptions options) {
        this.optIns = options;
        return this;
    }

    @Override
    public void changed(Actions.Change change) {
        out.emit(JsonInput.action(core, change, now()));
    }

    @Override
    public void typing(String from, ChatRef chat) {
        if (optIns.typing()) {
            out.emit(JsonEvent.typing(from, chat, now()));
        }
    }

    @Override
    public void chatRequested(String from) {
        if (input.requested(from)) {
            out.emit(JsonEvent.fromPeer("request", from, now()));
        }
    }

    @Override
    public void groupInvited(Invitations.Open invitation) {
        String group = invitation.group().getName();
        if (input.requested(group)) {
            out.emit(JsonEvent.invitation(
                    group, invitation.inviter(), invitation.group().getMembersList(), invitation.question(), now()));
        }
    }

    @Override
    public void chatAccepted(String by) {
        out.emit(JsonEvent.fromPeer("accepted", by, now()));
    }

    @Override
    public void chatDeclined(String by) {
        input.declined(by);
        out.emit(JsonEvent.fromPeer("declined", by, now()));
    }

    @Override
    public void messagesKept(String peer, int count) {
        out.emit(JsonEvent.notice(Outboxes.kept(peer, count), now()));
    }

    @Override
    public void sendState(String messageId, ChatRef to, SendState state) {
        if (Thread.currentThread() == submitter && (state == SendState.QUEUED || state == SendState.KEPT)) {
            submitted = state; // part of the "sent" event of the line being sent
            return;
        }
        synchronized (confirmed) {
            SendState current = confirmed.get(messageId);
            if (current != null && !state.replaces(current)) {
                return;
            }
            if (state == SendState.DELIVERED || state == SendState.READ) {
                confirmed.put(messageId, state);
            }
            out.emit(JsonEvent.receipt(to, messageId, state, now()));
        }
    }

    @Override
    public void groupChanged(Group group, boolean removed) {
        if (removed) {
            input.declined(group.getName());
        }
        out.emit(JsonEvent.group(group.getName(), group.getMembersList(), removed, now()));
    }

    /** The core's words: warnings and refused messages are errors, the rest notices. */
    @Override
    public void notice(String text) {
        boolean failure = text.startsWith("WARNING") || text.startsWith("Message not sent");
        out.emit(failure ? JsonEvent.error(text, null, now()) : JsonEvent.notice(text, now()));
    }

    @Override
    public void ended(String reason) {
        ended = true;
        out.emitNow(JsonEvent.ended(reason, now()));
        if (lines != null) {
            lines.end(); // the read in progress returns, and the process exits with 2
        }
    }
}
