package dev.spartan.client.tui;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jline.keymap.KeyMap;
import org.jline.reader.Binding;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.Reference;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.InfoCmp;

/**
 * The terminal: lines printed above the prompt, the prompts, and the delivery marks of the user's own messages,
 * rewritten in place while their line is still on the screen. To find that line it counts the rows printed since;
 * when the count may be wrong (the width changed, or a character whose width terminals disagree on was printed) it
 * leaves the mark alone rather than write on the wrong line.
 */
final class TerminalScreen implements Screen {
    private record Mark(long row, int column, int width) {}

    private static final String INTERRUPT = "spartan-interrupt";
    private static final long SAME_PRESS_NANOS = 300_000_000L;

    private final Terminal terminal;
    private final ChatLineReader reader;
    private final boolean interactive;
    /** Rows printed above the prompt so far. */
    private long rows;
    /** Marks above this row may be miscounted. */
    private long trustedFrom;

    private volatile boolean interrupted;
    private volatile long lastCtrlC = System.nanoTime() - SAME_PRESS_NANOS;

    private final Map<String, Mark> marks = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Mark> eldest) {
            return size() > 500;
        }
    };

    TerminalScreen() throws IOException {
        // No grapheme-cluster probe: it asks the terminal questions (DA1, cursor position) whose late answers, on a
        // loaded machine, would arrive as if the user had typed them.
        this.terminal = TerminalBuilder.builder()
                .system(true)
                .dumb(true)
                .graphemeCluster(false)
                .build();
        this.interactive = !terminal.getType().startsWith(Terminal.TYPE_DUMB);
        this.reader = new ChatLineReader(terminal);
        // A message is what was typed: no history expansion of '!', no backslash or quote processing.
        reader.option(LineReader.Option.DISABLE_EVENT_EXPANSION, true);
        DefaultParser parser = new DefaultParser();
        parser.setEscapeChars(new char[0]);
        parser.setQuoteChars(new char[0]);
        parser.setEofOnUnclosedQuote(false);
        reader.setParser(parser);
        if (interactive) {
            // The typed line is replaced by the message as it was sent, with its time and delivery mark.
            reader.option(LineReader.Option.ERASE_LINE_ON_FINISH, true);
            // Raw between reads too: JLine restores the modes it found after each line, and with the terminal's own
            // echo on, keys typed while a line is being handled would be echoed wherever the cursor is. Ctrl-C is
            // bound as a key, so that it comes in order with what was typed before it.
            terminal.enterRawMode();
            Attributes raw = terminal.getAttributes();
            raw.setLocalFlag(Attributes.LocalFlag.ISIG, false);
            terminal.setAttributes(raw);
            reader.getWidgets().put(INTERRUPT, this::interrupt);
            for (String map : List.of(LineReader.EMACS, LineReader.VIINS, LineReader.MAIN)) {
                KeyMap<Binding> keys = reader.getKeyMaps().get(map);
                if (keys != null) {
                    keys.bind(new Reference(INTERRUPT), KeyMap.ctrl('C'));
                }
            }
        }
    }

    /** Ctrl-C: clears a line with text on it; on an empty line ends the read, and {@link #interrupted} says so. */
    private boolean interrupt() {
        if (!isNewCtrlC()) {
            return true;
        }
        if (reader.getBuffer().length() > 0) {
            reader.getBuffer().clear();
            return true;
        }
        interrupted = true;
        reader.callWidget(LineReader.ACCEPT_LINE);
        return true;
    }

    /**
     * Some terminals report one Ctrl-C twice, as the key and as an interrupt (SIGINT), in either order: the second
     * report within a moment is the same press, whatever the line held by then.
     */
    @Override
    public boolean isNewCtrlC() {
        long now = System.nanoTime();
        boolean fresh = now - lastCtrlC > SAME_PRESS_NANOS;
        lastCtrlC = now;
        return fresh;
    }

    /** True once after a Ctrl-C on an empty line ended a read. */
    @Override
    public boolean interrupted() {
        boolean was = interrupted;
        interrupted = false;
        return was;
    }

    @Override
    public boolean isInteractive() {
        return interactive;
    }

    @Override
    public void completeWith(Completer completer) {
        reader.setCompleter(completer);
    }

    @Override
    public void onKey(java.util.function.Consumer<String> line) {
        if (!interactive) {
            return;
        }
        org.jline.reader.Widget insert = reader.getWidgets().get(LineReader.SELF_INSERT);
        reader.getWidgets().put(LineReader.SELF_INSERT, () -> {
            boolean done = insert.apply();
            line.accept(reader.getBuffer().toString());
            return done;
        });
    }

    @Override
    public String readLine(Prompt prompt, AttributedString right) {
        return reader.readLine(
                escape(prompt.text()),
                interactive && right != null ? escape(right.toAnsi(terminal)) : null,
                (Character) null,
                null);
    }

    /** Prints lines above the prompt; returns the row the first one is on (for {@link #track}). */
    @Override
    public long print(List<AttributedString> lines) {
        String text = lines.stream()
                .map(l -> interactive ? l.toAnsi(terminal) : l.toString())
                .collect(Collectors.joining("\n"));
        try {
            return reader.locked(() -> {
                long first = rows;
                reader.printAbove(text);
                if (interactive) {
                    int width = Math.max(1, terminal.getSize().getColumns());
                    for (AttributedString l : lines) {
                        rows += Math.max(1, (l.columnLength(terminal) + width - 1) / width);
                        if (!hasCertainWidth(l.toString())) {
                            trustedFrom = rows;
                        }
                    }
                }
                terminal.flush();
                return first;
            });
        } catch (IllegalStateException | java.io.IOError closed) {
            return -1; // the terminal was closed under us (the session is ending)
        }
    }

    /** Remembers where the mark of an own message is, so that {@link #mark} can rewrite it. */
    @Override
    public void track(String messageId, long row, int column) {
        // A mark or progress figure (up to 4 cells) must end on the line's first row: a wrapped line's may not.
        if (interactive
                && row >= 0
                && column >= 0
                && column + 4 <= terminal.getSize().getColumns()) {
            reader.locked(() -> marks.put(
                    messageId, new Mark(row, column, terminal.getSize().getColumns())));
        }
    }

    /** Rewrites the delivery mark of an own message if its line is still where it was counted to be. */
    @Override
    public void mark(String messageId, AttributedString mark) {
        if (!interactive) {
            return;
        }
        try {
            reader.locked(() -> {
                Mark m = marks.get(messageId);
                if (m == null) {
                    return null;
                }
                long up = rows - m.row();
                if (m.row() < trustedFrom
                        || terminal.getSize().getColumns() != m.width()
                        || up < 1
                        || up > terminal.getSize().getRows() - 2) {
                    marks.remove(messageId);
                    return null;
                }
                reader.rewriteAbove((int) up, m.column(), mark.toAnsi(terminal));
                return null;
            });
        } catch (IllegalStateException closed) {
            // Terminal closed: nothing to update.
        }
    }

    /** After JLine itself wrote (an interrupted line, a completion list), row counts may be off. */
    void distrustMarks() {
        reader.locked(() -> trustedFrom = rows);
    }

    /**
     * If a line is being read and nothing is typed on it, asks {@code change} for a new prompt (null: no change)
     * and shows it, all under JLine's lock so that no key press comes in between. Returns whether it changed.
     */
    @Override
    public boolean ifIdle(Supplier<Prompt> change, Supplier<AttributedString> right) {
        try {
            return reader.locked(() -> {
                if (!reader.isIdle()) {
                    return false;
                }
                Prompt left = change.get();
                if (left == null) {
                    return false;
                }
                AttributedString r = right.get();
                reader.showPrompts(escape(left.text()), interactive && r != null ? escape(r.toAnsi(terminal)) : null);
                return true;
            });
        } catch (IllegalStateException closed) {
            return false;
        }
    }

    /** Replaces the right prompt (a terminal only). */
    @Override
    public void rightPrompt(AttributedString right) {
        if (!interactive) {
            return;
        }
        try {
            reader.showRightPrompt(right == null ? null : escape(right.toAnsi(terminal)));
        } catch (IllegalStateException closed) {
            // Terminal closed: nothing to show.
        }
    }

    /** Clears the screen; marks above can no longer be found. */
    @Override
    public void clear() {
        if (!interactive) {
            return;
        }
        reader.locked(() -> {
            terminal.puts(InfoCmp.Capability.clear_screen);
            terminal.flush();
            marks.clear();
            trustedFrom = rows;
            return null;
        });
    }

    @Override
    public void flush() {
        terminal.flush();
    }

    /** Widths terminals agree on: no emoji, joiners or variation selectors, where wcwidth tables differ. */
    private static boolean hasCertainWidth(String s) {
        return s.codePoints()
                .noneMatch(cp -> cp >= 0x1F000
                        || cp == 0x200D
                        || (cp >= 0xFE00 && cp <= 0xFE0F)
                        || (cp >= 0x2600 && cp <= 0x27BF && cp != 0x2713));
    }

    /** JLine expands %-patterns in prompts; a name with a % in it is shown as it is. */
    private static String escape(String prompt) {
        return prompt.replace("%", "%%");
    }

    @Override
    public void close() {
        if (interactive) {
            try {
                reader.erasePrompt();
            } catch (IllegalStateException | java.io.IOError closed) {
                // Already gone.
            }
        }
        try {
            terminal.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
