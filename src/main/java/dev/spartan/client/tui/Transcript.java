package dev.spartan.client.tui;

import dev.spartan.client.Incoming;
import dev.spartan.client.SendState;
import dev.spartan.proto.ChatRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jline.utils.AttributedString;

/**
 * The messages as the user sees them: each printed once as it arrives (counted as unread if it is not from the chat
 * on the prompt), one's own with a delivery mark that follows the message, and what a chat showed before when the
 * user comes back to it or asks for {@code /history}.
 */
final class Transcript {
    /** Messages shown when switching back to a chat already seen in this session. */
    static final int RECENT_ON_RETURN = 10;

    private final Screen screen;
    private final Look look;
    private final String me;
    private final Supplier<ChatRef> current;
    private final Predicate<String> isCurrent;
    private final Consumer<List<AttributedString>> arrivals;
    private final SessionLog log = new SessionLog();
    private final Unread unread = new Unread();
    private volatile java.util.function.BiFunction<Incoming, Boolean, java.util.Optional<Incoming>> view =
            (m, numbered) -> java.util.Optional.of(m);
    /** Chats entered in this session: entering one again shows its recent messages from memory. */
    private final Set<String> visited = new HashSet<>();
    /** Held while an own message is printed or its mark changes, so a change never comes before its line. */
    private final Object marks = new Object();
    /** What a progress figure is tracked under, after the key of its transfer. */
    private static final String PROGRESS = "#progress";

    /**
     * @param current   the chat of the prompt (null if none), to mark lines from other chats
     * @param isCurrent whether a chat (user or group name) is the one the user is typing to
     * @param arrivals  where lines of arriving messages go (they may have to wait for the banner)
     */
    Transcript(
            Screen screen,
            Look look,
            String me,
            Supplier<ChatRef> current,
            Predicate<String> isCurrent,
            Consumer<List<AttributedString>> arrivals) {
        this.screen = Objects.requireNonNull(screen, "screen");
        this.look = Objects.requireNonNull(look, "look");
        this.me = Objects.requireNonNull(me, "me");
        this.current = Objects.requireNonNull(current, "current");
        this.isCurrent = Objects.requireNonNull(isCurrent, "isCurrent");
        this.arrivals = Objects.requireNonNull(arrivals, "arrivals");
    }

    static String nameOf(ChatRef chat) {
        return chat.hasGroup() ? chat.getGroup() : chat.getUser();
    }

    static String describe(ChatRef chat) {
        return chat.hasGroup() ? "in " + chat.getGroup() : "with " + chat.getUser();
    }

    /** A message from the push stream. */
    void arrived(Incoming m) {
        String chat = m.peerOrGroup();
        boolean own = m.sender().equals(me);
        if (!own && !isCurrent.test(chat)) {
            unread.arrived(chat);
            if (m.isGroup() && Mentions.names(m.text(), me)) {
                unread.mentioned(chat);
            }
        }
        synchronized (marks) {
            log.add(chat, m, own ? SendState.STORED : null);
            arrivals.accept(look.message(m, me, current.get(), null).lines());
        }
    }

    /**
     * A message the user typed: {@code send} queues it and returns its id (or throws, and nothing is shown). On a
     * terminal it is shown at once, with its delivery mark.
     */
    void typed(ChatRef to, String text, Supplier<String> send) {
        synchronized (marks) {
            String id = send.get();
            Incoming own = new Incoming(id, me, to, nameOf(to), text, 0, look.millis());
            log.add(nameOf(to), own, SendState.QUEUED);
            if (screen.isInteractive()) {
                List<SessionLog.Entry> last = log.last(nameOf(to), 1);
                show(own, last.isEmpty() ? SendState.QUEUED : last.get(0).state);
            }
        }
    }

    /**
     * A file being sent: its line, with the delivery mark of its message, ends in a progress figure that
     * {@link #progress} rewrites in place while the line is on the screen.
     */
    void sendingFile(ChatRef to, String messageId, String text, int percent) {
        synchronized (marks) {
            log.add(nameOf(to), new Incoming(messageId, me, to, nameOf(to), text, 0, look.millis()), SendState.QUEUED);
            Incoming line =
                    new Incoming(messageId, me, to, nameOf(to), text + " " + look.percent(percent), 0, look.millis());
            Look.Shown shown = look.message(line, me, current.get(), SendState.QUEUED);
            long row = screen.print(shown.lines());
            screen.track(messageId, row, shown.markColumn());
            trackProgress(messageId, row, shown.lines());
        }
    }

    /** A notice whose end is a progress figure (a download's), rewritten in place by {@link #progress}. */
    void noticeWithProgress(String key, String text, int percent) {
        synchronized (marks) {
            List<AttributedString> lines = List.of(look.notice(text + " " + look.percent(percent)));
            trackProgress(key, screen.print(lines), lines);
        }
    }

    private void trackProgress(String key, long row, List<AttributedString> lines) {
        if (lines.size() == 1) {
            screen.track(key + PROGRESS, row, lines.get(0).columnLength() - Look.PERCENT_CELLS);
        }
    }

    void progress(String key, int percent) {
        synchronized (marks) {
            screen.mark(key + PROGRESS, new AttributedString(look.percent(percent)));
        }
    }

    void state(String messageId, SendState state) {
        synchronized (marks) {
            if (log.state(messageId, state)) {
                screen.mark(messageId, look.mark(state));
            }
        }
    }

    /** The user opened {@code chat}; true the first time in this session. */
    boolean opened(ChatRef chat) {
        unread.read(nameOf(chat));
        return visited.add(nameOf(chat));
    }

    /**
     * How history shows a message now (issue 26): its latest text, reactions, quote and, when asked, its short
     * number; empty if it disappeared.
     */
    void viewWith(java.util.function.BiFunction<Incoming, Boolean, java.util.Optional<Incoming>> view) {
        this.view = view;
    }

    /** Shows a message as it is now; {@code numbered} (only /history, on a terminal) puts its short number in. */
    private void showNow(Incoming m, SendState state, boolean numbered) {
        view.apply(m, numbered && screen.isInteractive()).ifPresent(now -> show(now, state));
    }

    /** Back in a chat: its last messages from this session. */
    void showRecent(ChatRef chat) {
        notice("Recent messages " + describe(chat) + ":");
        log.last(nameOf(chat), RECENT_ON_RETURN).forEach(e -> showNow(e.message, e.state, false));
    }

    /** The server's recent messages of a chat, under the assignment's header. */
    void showHistory(ChatRef chat, List<Incoming> recent) {
        showHistory(chat, recent, false);
    }

    /** {@link #showHistory(ChatRef, List)}; {@code numbered} for /history, whose numbers the action commands take. */
    void showHistory(ChatRef chat, List<Incoming> recent, boolean numbered) {
        notice("Recent messages " + describe(chat) + ":");
        for (Incoming m : recent) {
            SendState state = m.sender().equals(me) ? SendState.STORED : null;
            log.add(nameOf(chat), m, state);
            showNow(m, state, numbered);
        }
    }

    /** {@code /history N}: the server's recent messages and what this session has shown, the last N of them. */
    void showLast(ChatRef chat, List<Incoming> fromServer, int n) {
        List<SessionLog.Entry> all = new ArrayList<>();
        for (Incoming m : fromServer) {
            if (!log.has(m.messageId())) {
                all.add(new SessionLog.Entry(m, m.sender().equals(me) ? SendState.STORED : null));
            }
        }
        all.addAll(log.last(nameOf(chat), SessionLog.KEEP));
        List<SessionLog.Entry> shown = all.subList(Math.max(0, all.size() - n), all.size());
        if (shown.isEmpty()) {
            notice("No recent messages.");
            return;
        }
        notice("Last " + shown.size() + (shown.size() == 1 ? " message " : " messages ") + describe(chat) + ":");
        shown.forEach(e -> showNow(e.message, e.state, true));
    }

    int unread(String chat) {
        return unread.of(chat);
    }

    /** Chats with unread lines but {@code except}, most recent first: "alice 2". */
    List<String> unreadElsewhere(String except) {
        return unread.summary().stream()
                .filter(s -> except == null || !s.startsWith(except + " "))
                .toList();
    }

    private void show(Incoming m, SendState state) {
        synchronized (marks) {
            Look.Shown shown = look.message(m, me, current.get(), state);
            long row = screen.print(shown.lines());
            if (m.sender().equals(me)) {
                screen.track(m.messageId(), row, shown.markColumn());
            }
        }
    }

    private void notice(String text) {
        screen.print(look.notice(text));
    }
}
