package dev.spartan.client.tui;

import dev.spartan.client.TypedLines;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.utils.AttributedString;

/**
 * Plain lines, for stdin or stdout that is not a terminal (a script, the tests): each line printed whole with its
 * newline, a question the client asks printed as a line of its own each time it is asked, and no chat prompt, no
 * right prompt, no marks, no redraws.
 */
final class PipeScreen implements Screen {
    private final PrintStream out;
    private final TypedLines typed;
    /** True while a read waits and nothing is typed: held with the output, so a question comes out whole. */
    private boolean waiting;

    PipeScreen(InputStream in, OutputStream stdout) {
        this.out = new PrintStream(stdout, false, StandardCharsets.UTF_8);
        this.typed = new TypedLines(in);
    }

    @Override
    public boolean isInteractive() {
        return false;
    }

    @Override
    public String readLine(Prompt prompt, AttributedString right) {
        synchronized (this) {
            if (prompt.question()) {
                line(prompt.text());
            }
            waiting = typed.isEmpty();
        }
        Optional<String> next;
        try {
            next = typed.next();
        } finally {
            synchronized (this) {
                waiting = false;
            }
        }
        return next.orElseThrow(EndOfFileException::new);
    }

    @Override
    public synchronized long print(List<AttributedString> lines) {
        lines.forEach(l -> line(l.toString()));
        return -1;
    }

    /** A question asked while nothing is typed: the next line typed answers it, so it is printed now. */
    @Override
    public synchronized boolean ifIdle(Supplier<Prompt> change, Supplier<AttributedString> right) {
        if (!waiting || !typed.isEmpty()) {
            return false;
        }
        Prompt now = change.get();
        if (now == null) {
            return false;
        }
        if (now.question()) {
            line(now.text());
        }
        return true;
    }

    private void line(String text) {
        out.print(text + "\n");
        out.flush();
    }

    @Override
    public boolean interrupted() {
        return false;
    }

    @Override
    public boolean isNewCtrlC() {
        return true;
    }

    @Override
    public void completeWith(Completer completer) {}

    @Override
    public void track(String messageId, long row, int column) {}

    @Override
    public void mark(String messageId, AttributedString mark) {}

    @Override
    public void rightPrompt(AttributedString right) {}

    @Override
    public void clear() {}

    @Override
    public void flush() {
        out.flush();
    }

    /** Ends the read in progress (the session is over): it sees the end of input. */
    @Override
    public void close() {
        typed.end();
    }
}
