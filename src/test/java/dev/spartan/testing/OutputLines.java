package dev.spartan.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * The stdout of a child process, line by line. A client on a pipe prints whole lines only, its questions ("[Spartan]
 * Enter a user ...: ") among them and no chat prompt; should a line carry terminal output all the same, only the text
 * after its last CR counts, without escape sequences.
 */
public final class OutputLines {
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]");

    /** Every process output of the running test, so that a timeout shows all sides of the conversation. */
    private static final java.util.Set<OutputLines> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final StringBuilder raw = new StringBuilder();
    private final List<String> lines = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final String name;
    private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
    /** How many lines there were when a line was last typed into the process. */
    private int typedAt;

    public OutputLines(String name, InputStream in) {
        this.name = name;
        LIVE.add(this);
        Thread t = new Thread(() -> pump(new InputStreamReader(in, StandardCharsets.UTF_8)), "out-" + name);
        t.setDaemon(true);
        t.start();
    }

    private void pump(Reader r) {
        char[] buf = new char[4096];
        try {
            int n;
            while ((n = r.read(buf)) > 0) {
                synchronized (this) {
                    raw.append(buf, 0, n);
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            lines.add(clean(partial.toString()));
                            partial.setLength(0);
                        } else {
                            partial.append(buf[i]);
                        }
                    }
                    notifyAll(); // the waits below look again
                }
            }
        } catch (IOException e) {
            // process ended
        }
        LIVE.remove(this);
        ended.countDown();
        synchronized (this) {
            notifyAll(); // a wait for a line that can no longer come ends now
        }
    }

    private static <T extends Throwable> AssertionError withEveryOutput(String what, T cause) {
        StringBuilder b = new StringBuilder(what).append("\n");
        for (OutputLines o : LIVE) {
            b.append("----- ")
                    .append(o.name)
                    .append(" -----\n")
                    .append(o.dump())
                    .append("\n");
        }
        return new AssertionError(b.toString(), cause);
    }

    /**
     * Waits until {@code condition} (of this output) holds: it is looked at again each time output arrives, not on a
     * poll, so a test waiting on a quiet process costs no CPU.
     */
    private void awaitOrExplain(String what, BooleanSupplier condition, Duration timeout) {
        if (!await(condition, timeout)) {
            throw withEveryOutput(name + ": timed out after " + timeout.toSeconds() + "s waiting for " + what, null);
        }
    }

    private synchronized boolean await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(name + ": interrupted while waiting", e);
            }
        }
        return true;
    }

    static String clean(String line) {
        String s = ANSI.matcher(line).replaceAll("");
        int cr = s.lastIndexOf('\r');
        if (cr >= 0) {
            s = s.substring(cr + 1);
        }
        return s;
    }

    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** Waits until the stream is closed (the process exited), and returns everything it carried. */
    public String awaitEnd() {
        try {
            if (!ended.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
                throw withEveryOutput(name + ": the output did not end within 20s", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return raw();
    }

    public synchronized String raw() {
        return raw.toString();
    }

    /**
     * How long a test waits for what a process should print soon: generous, because end-to-end classes run side by
     * side and a JVM starts slowly on a busy machine; a passing test never waits it out.
     */
    public static final Duration PATIENCE = Duration.ofSeconds(45);

    /** Waits for a line equal to {@code expected}, and returns its index. */
    public int awaitLine(String expected) {
        return awaitLine(expected, PATIENCE);
    }

    public int awaitLine(String expected, Duration timeout) {
        awaitOrExplain("the line \"" + expected + "\"", () -> lines.contains(expected), timeout);
        return lines().indexOf(expected);
    }

    /**
     * Waits for a line equal to {@code expected} while the stream is open: its index, or -1 at once if the process
     * ended without printing it (then the caller explains from the process's own log instead of waiting it out).
     */
    public int awaitLineWhileOpen(String expected, Duration timeout) {
        awaitOrExplain(
                "the line \"" + expected + "\"", () -> lines.contains(expected) || ended.getCount() == 0, timeout);
        return lines().indexOf(expected);
    }

    /** Waits for raw output (e.g. a prompt, which has no newline) to contain {@code text}. */
    public void awaitRaw(String text) {
        awaitRaw(text, PATIENCE);
    }

    public void awaitRaw(String text, Duration timeout) {
        awaitOrExplain("output \"" + text + "\"", () -> raw.indexOf(text) >= 0, timeout);
    }

    /** A line was typed into the process: a question asked before it is answered. */
    synchronized void typed() {
        typedAt = lines.size();
    }

    /** Waits until the client asks {@code question} (a line of its own) after the last line typed into it. */
    public void awaitPrompt(String question) {
        awaitOrExplain("the question \"" + question + "\"", () -> askedSinceTyped(question), PATIENCE);
    }

    private synchronized boolean askedSinceTyped(String question) {
        return lines.subList(typedAt, lines.size()).contains(question);
    }

    public synchronized long count(String line) {
        return lines.stream().filter(line::equals).count();
    }

    public String dump() {
        return String.join("\n", lines()) + "\n[partial] " + partialLine();
    }

    private synchronized String partialLine() {
        return clean(partial.toString());
    }
}
