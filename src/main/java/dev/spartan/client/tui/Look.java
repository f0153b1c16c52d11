package dev.spartan.client.tui;

import dev.spartan.client.Incoming;
import dev.spartan.client.SendState;
import dev.spartan.proto.ChatRef;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * How lines look. On a pipe: exactly the assignment's lines ({@code [bob] text}, {@code [Spartan] ...}). On a
 * terminal: a dim {@code HH:mm} (with the date for anything older than today), a two-cell column for the delivery
 * state of one's own messages, each sender's name in a colour of its own, dim notices and red warnings, and lines
 * from a chat other than the current one marked {@code [alice → you]}. Everything from others goes through
 * {@link SafeText}; a multi-line message continues on lines indented past the name.
 */
final class Look {
    static final String SPARTAN = "[Spartan] ";

    /** A printed message: its lines, and the column of its delivery mark (-1: none to update). */
    record Shown(List<AttributedString> lines, int markColumn) {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    private static final int[] PALETTE = {
        AttributedStyle.CYAN,
        AttributedStyle.GREEN,
        AttributedStyle.YELLOW,
        AttributedStyle.BLUE,
        AttributedStyle.MAGENTA,
        AttributedStyle.CYAN | AttributedStyle.BRIGHT,
        AttributedStyle.GREEN | AttributedStyle.BRIGHT,
        AttributedStyle.YELLOW | AttributedStyle.BRIGHT,
        AttributedStyle.BLUE | AttributedStyle.BRIGHT,
        AttributedStyle.MAGENTA | AttributedStyle.BRIGHT
    };

    private final boolean terminal;
    private final boolean colours;
    private final boolean timestamps;
    private final Clock clock;

    private Look(boolean terminal, boolean colours, boolean timestamps, Clock clock) {
        this.terminal = terminal;
        this.colours = colours;
        this.timestamps = timestamps;
        this.clock = clock;
    }

    static Look pipe(Clock clock) {
        return new Look(false, false, false, clock);
    }

    /** Now, in epoch milliseconds, by the client's clock. */
    long millis() {
        return clock.millis();
    }

    static Look terminal(boolean colours, boolean timestamps, Clock clock) {
        return new Look(true, colours, timestamps, clock);
    }

    boolean isTerminal() {
        return terminal;
    }

    /** A line from the client itself; {@code text} may carry names or the server's words, so it is made safe. */
    AttributedString notice(String text) {
        String safe = SafeText.line(text);
        boolean warning = safe.startsWith("WARNING") || safe.startsWith("Message not sent");
        AttributedStyle style = warning ? fg(AttributedStyle.RED) : dim();
        AttributedStringBuilder b = prefix(clock.millis(), null);
        return b.styled(style, SPARTAN + safe).toAttributedString();
    }

    /** A fixed text of the client (help, usage): printed as it is, in the notice colour on a terminal. */
    AttributedString plain(String trusted) {
        return prefix(clock.millis(), null).styled(dim(), trusted).toAttributedString();
    }

    /** A message from anyone, the user included (history, or a message sent from here). */
    Shown message(Incoming m, String me, ChatRef current, SendState state) {
        boolean own = m.sender().equals(me);
        long at = m.sentAtMillis() > 0 ? m.sentAtMillis() : clock.millis();
        AttributedStringBuilder b = prefix(at, own ? state : null);
        int markColumn = own && terminal && isToday(at)
                ? (timestamps ? TIME.format(local(at)).length() + 1 : 0)
                : -1;
        if (m.isGroup()) {
            b.styled(
                    nameStyle(m.chat().getGroup()), "[" + SafeText.line(m.chat().getGroup()) + "]");
            b.append(" ");
            b.styled(bold(nameStyle(m.sender())), "[" + SafeText.line(m.sender()) + "]");
        } else {
            String other = m.peerOrGroup();
            boolean inCurrent =
                    current != null && current.hasUser() && current.getUser().equals(other);
            String tag = SafeText.line(m.sender());
            if (terminal && !inCurrent) {
                tag += own ? " → " + SafeText.line(other) : " → you";
            }
            b.styled(bold(nameStyle(m.sender())), "[" + tag + "]");
        }
        b.append(" ");
        int indent = b.columnLength();
        List<String> body = SafeText.lines(m.text());
        List<AttributedString> lines = new ArrayList<>();
        java.util.regex.Pattern mention = terminal && m.isGroup() && !own ? Mentions.pattern(SafeText.line(me)) : null;
        highlighted(b, body.get(0), mention);
        lines.add(b.toAttributedString());
        for (String more : body.subList(1, body.size())) {
            AttributedStringBuilder next = new AttributedStringBuilder().append(" ".repeat(indent));
            highlighted(next, more, mention);
            lines.add(next.toAttributedString());
        }
        return new Shown(lines, markColumn);
    }

    /** Appends a line of a message, each {@code @name} of this user in it highlighted (a mention, issue 26). */
    private void highlighted(AttributedStringBuilder b, String line, java.util.regex.Pattern mention) {
        if (mention == null) {
            b.append(line);
            return;
        }
        java.util.regex.Matcher found = mention.matcher(line);
        int at = 0;
        while (found.find()) {
            b.append(line.substring(at, found.start()));
            b.styled(colours ? AttributedStyle.DEFAULT.inverse().bold() : AttributedStyle.DEFAULT, found.group());
            at = found.end();
        }
        b.append(line.substring(at));
    }

    /** The cells of a progress figure ({@code "  7%"}, {@code "100%"}). */
    static final int PERCENT_CELLS = 4;

    /** A transfer's progress figure: always {@link #PERCENT_CELLS} cells, so that it can be rewritten in place. */
    String percent(int percent) {
        return String.format(Locale.ROOT, "%3d%%", Math.max(0, Math.min(100, percent)));
    }

    /** The delivery mark of one's own message: two cells, so that it can be rewritten in place. */
    AttributedString mark(SendState state) {
        if (state == null) {
            return new AttributedString("  ");
        }
        return switch (state) {
            case QUEUED -> new AttributedString("··", dim());
            case KEPT -> new AttributedString("··", fg(AttributedStyle.YELLOW));
            case STORED, HELD -> new AttributedString("✓ ", fg(AttributedStyle.GREEN));
            case DELIVERED -> new AttributedString("✓✓", bold(fg(AttributedStyle.GREEN)));
            case READ -> new AttributedString("●●", bold(fg(AttributedStyle.BLUE)));
            case FAILED, EXPIRED -> new AttributedString("✗ ", fg(AttributedStyle.RED));
        };
    }

    /** The right prompt: who a line typed now goes to, then unread counts of other chats. */
    AttributedString rightPrompt(String to, List<String> unread, int queued) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        if (to != null) {
            b.styled(dim(), "to ").styled(bold(nameStyle(to)), SafeText.line(to));
        }
        for (String u : unread) {
            if (b.length() > 0) {
                b.styled(dim(), " · ");
            }
            b.styled(fg(AttributedStyle.YELLOW), SafeText.line(u));
        }
        if (queued > 0) {
            if (b.length() > 0) {
                b.styled(dim(), " · ");
            }
            b.styled(dim(), queued + " queued");
        }
        return b.toAttributedString();
    }

    private AttributedStringBuilder prefix(long atMillis, SendState state) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        if (!terminal) {
            return b;
        }
        if (timestamps) {
            ZonedDateTime t = local(atMillis);
            b.styled(dim(), (isToday(atMillis) ? TIME : DATE_TIME).format(t)).append(" ");
        }
        b.append(mark(state)).append(" ");
        return b;
    }

    private boolean isToday(long millis) {
        return local(millis).toLocalDate().equals(LocalDate.now(clock));
    }

    private ZonedDateTime local(long millis) {
        return Instant.ofEpochMilli(millis).atZone(clock.getZone());
    }

    /** The same colour for a name every time, from a palette without red (warnings) or grey (notices). */
    private AttributedStyle nameStyle(String name) {
        return fg(PALETTE[Math.floorMod(name.hashCode(), PALETTE.length)]);
    }

    private AttributedStyle fg(int colour) {
        return colours ? AttributedStyle.DEFAULT.foreground(colour) : AttributedStyle.DEFAULT;
    }

    private AttributedStyle bold(AttributedStyle style) {
        return colours ? style.bold() : style;
    }

    private AttributedStyle dim() {
        return colours ? AttributedStyle.DEFAULT.faint() : AttributedStyle.DEFAULT;
    }
}
