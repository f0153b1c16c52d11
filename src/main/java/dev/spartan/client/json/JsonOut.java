package dev.spartan.client.json;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The only writer of stdout in {@code --json} mode: one event per line, each written whole and flushed. Events the
 * client core reports while the client connects wait until {@link #start}, so that {@code connected} comes first.
 */
final class JsonOut {
    private final PrintStream out;
    private List<JsonEvent> held = new ArrayList<>();

    JsonOut(OutputStream stdout) {
        this.out = new PrintStream(stdout, false, StandardCharsets.UTF_8);
    }

    /** Writes the event, or keeps it until {@link #start}. */
    synchronized void emit(JsonEvent event) {
        if (held != null) {
            held.add(event);
        } else {
            write(event);
        }
    }

    /** Writes the event now, before anything held (the login's outcome). */
    synchronized void emitNow(JsonEvent event) {
        write(event);
    }

    /** From now on events are written as they come, after those held so far. */
    synchronized void start() {
        List<JsonEvent> backlog = held;
        held = null;
        backlog.forEach(this::write);
    }

    private void write(JsonEvent event) {
        out.print(event.encode() + "\n");
        out.flush();
    }
}
