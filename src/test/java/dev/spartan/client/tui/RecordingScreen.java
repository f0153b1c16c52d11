package dev.spartan.client.tui;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jline.reader.Completer;
import org.jline.utils.AttributedString;

/** What the terminal was asked to do: lines printed, spots tracked (row, column), rewrites at them. */
final class RecordingScreen implements Screen {
    final List<String> printed = new ArrayList<>();
    final Map<String, int[]> tracked = new HashMap<>();
    final List<String> rewrites = new ArrayList<>();

    @Override
    public boolean isInteractive() {
        return true;
    }

    @Override
    public String readLine(Prompt prompt, AttributedString right) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long print(List<AttributedString> lines) {
        lines.forEach(l -> printed.add(l.toString()));
        return (long) printed.size() - lines.size();
    }

    @Override
    public boolean ifIdle(Supplier<Prompt> change, Supplier<AttributedString> right) {
        return false;
    }

    @Override
    public boolean interrupted() {
        return false;
    }

    @Override
    public boolean isNewCtrlC() {
        return false;
    }

    @Override
    public void completeWith(Completer completer) {}

    @Override
    public void track(String key, long row, int column) {
        tracked.put(key, new int[] {(int) row, column});
    }

    @Override
    public void mark(String key, AttributedString text) {
        int[] at = tracked.get(key);
        if (at != null) {
            rewrites.add(key + "@" + at[0] + ":" + at[1] + "=" + text);
        }
    }

    @Override
    public void rightPrompt(AttributedString right) {}

    @Override
    public void clear() {}

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
