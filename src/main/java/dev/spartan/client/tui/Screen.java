package dev.spartan.client.tui;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;
import org.jline.reader.Completer;
import org.jline.utils.AttributedString;

/**
 * Where the console client reads lines and prints them: a terminal ({@link TerminalScreen}), or plain lines when
 * stdin or stdout is not a terminal ({@link PipeScreen}).
 */
interface Screen extends AutoCloseable {
    /** A terminal if both stdin and stdout are one, else plain lines. */
    static Screen open() throws IOException {
        return isTerminal() ? new TerminalScreen() : new PipeScreen(System.in, System.out);
    }

    /**
     * Up to JDK 21 a console exists only when stdin and stdout are both a terminal; from JDK 22 there is always one,
     * and {@code Console.isTerminal()} (JDK 22) says it.
     */
    @SuppressWarnings("SystemConsoleNull") // the project targets Java 17; newer JDKs are asked below
    private static boolean isTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before JDK 22: a console is a terminal
        }
    }

    boolean isInteractive();

    /**
     * Reads the next line at {@code prompt}; throws JLine's {@code EndOfFileException} at the end of input and its
     * {@code UserInterruptException} on Ctrl-C.
     */
    String readLine(Prompt prompt, AttributedString right);

    /** Prints lines above the prompt; returns the row the first one is on (for {@link #track}), -1 if none. */
    long print(List<AttributedString> lines);

    default void print(AttributedString line) {
        print(List.of(line));
    }

    /**
     * If a line is being read and nothing is typed on it, asks {@code change} for a new prompt (null: no change)
     * and shows it, with nothing typed in between. Returns whether it changed.
     */
    boolean ifIdle(Supplier<Prompt> change, Supplier<AttributedString> right);

    /** True once after a Ctrl-C on an empty line ended a read. */
    boolean interrupted();

    /** Whether this Ctrl-C is a new press (some terminals report one press twice). */
    boolean isNewCtrlC();

    void completeWith(Completer completer);

    /** Remembers where the mark of an own message is, so that {@link #mark} can rewrite it. */
    void track(String messageId, long row, int column);

    /** Rewrites the delivery mark of an own message if its line is still where it was counted to be. */
    void mark(String messageId, AttributedString mark);

    /** After each character typed on a terminal, {@code line} gets the line as it now is (for typing indicators). */
    default void onKey(java.util.function.Consumer<String> line) {}

    /** Replaces the right prompt (a terminal only). */
    void rightPrompt(AttributedString right);

    void clear();

    void flush();

    @Override
    void close();
}
