package dev.spartan.client.tui;

import java.util.Collections;
import java.util.HashMap;
import java.util.function.Supplier;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;

/**
 * JLine's line reader with the few operations a chat needs done under its lock, so that nothing another thread
 * prints can interleave with the user's typing: change the prompt only if the line is empty, and rewrite a
 * delivery mark on a line printed a few rows above the prompt.
 */
final class ChatLineReader extends LineReaderImpl {
    ChatLineReader(Terminal terminal) {
        super(terminal, "spartan", new HashMap<>());
    }

    /** An erased line takes its right prompt with it, or the prompt would stay behind on the row. */
    @Override
    protected void cleanup() {
        if (isSet(Option.ERASE_LINE_ON_FINISH)) {
            rightPrompt = AttributedString.EMPTY;
        }
        super.cleanup();
    }

    /** Runs {@code work} while no key press and no other output can happen. */
    <T> T locked(Supplier<T> work) {
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    /** True if a line is being read and nothing is typed on it. */
    boolean isIdle() {
        return locked(() -> reading && getBuffer().length() == 0);
    }

    /** Shows new prompts now if a line is being read (they apply to the next read anyway). */
    void showPrompts(String left, String right) {
        locked(() -> {
            setPrompt(left);
            setRightPrompt(right);
            if (reading) {
                callWidget(REDRAW_LINE);
                callWidget(REDISPLAY);
            }
            return null;
        });
    }

    /** Takes the prompt off the screen for good (the session is over). */
    void erasePrompt() {
        locked(() -> {
            if (reading) {
                display.update(Collections.emptyList(), 0);
                terminal.flush();
            }
            return null;
        });
    }

    /** Replaces the right prompt, and shows it now if a line is being read. */
    void showRightPrompt(String right) {
        locked(() -> {
            setRightPrompt(right);
            if (reading) {
                redisplay();
            }
            return null;
        });
    }

    /**
     * Writes {@code ansi} at {@code column} of the row {@code rowsUp} rows above the first row of the prompt, and
     * puts the prompt back as it was. The caller makes sure that row is on the screen and the text fits on it.
     */
    void rewriteAbove(int rowsUp, int column, String ansi) {
        locked(() -> {
            boolean wasReading = reading;
            if (wasReading) {
                display.update(Collections.emptyList(), 0); // cursor to the first row of the prompt, now blank
            }
            StringBuilder out = new StringBuilder();
            out.append("\u001B[").append(rowsUp).append("A\r");
            if (column > 0) {
                out.append("\u001B[").append(column).append('C');
            }
            out.append(ansi).append("\r\u001B[").append(rowsUp).append('B');
            terminal.writer().print(out);
            if (wasReading) {
                redisplay(false);
            }
            terminal.flush();
            return null;
        });
    }
}
