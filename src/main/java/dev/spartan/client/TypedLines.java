package dev.spartan.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Lines of a non-terminal input (a pipe, a script), read by a thread of its own: a line already typed can be told
 * from none ({@link #isEmpty}), and the end of the session can end a read that waits ({@link #end}).
 */
public final class TypedLines {
    /** Typed lines in order; empty at the end of input. */
    private final BlockingQueue<Optional<String>> lines = new LinkedBlockingQueue<>();

    public TypedLines(InputStream in) {
        Thread reader = new Thread(() -> readAll(in), "spartan-stdin");
        reader.setDaemon(true);
        reader.start();
    }

    private void readAll(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(Optional.of(line));
            }
        } catch (IOException e) {
            // The end of input, as far as the client can tell.
        }
        end();
    }

    /** The next line, waiting for it; empty at the end of input (and for every read after it). */
    public Optional<String> next() {
        try {
            Optional<String> line = lines.take();
            if (line.isEmpty()) {
                lines.add(line);
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** True if no line is waiting to be read. */
    public boolean isEmpty() {
        return lines.isEmpty();
    }

    /** Ends input after the lines already read: the session is over. */
    public void end() {
        lines.add(Optional.empty());
    }
}
