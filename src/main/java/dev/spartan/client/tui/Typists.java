package dev.spartan.client.tui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Who is typing, for the right prompt ("bob typing…"): an indicator shows for {@link #SHOW_MILLIS}, a little longer
 * than the 3 s between two indicators of one typist, then the prompt is redrawn without it.
 */
final class Typists {
    static final long SHOW_MILLIS = 4_000;

    private final Map<String, Long> until = new LinkedHashMap<>();
    private final Runnable redraw;
    private ScheduledExecutorService timer;

    Typists(Runnable redraw) {
        this.redraw = redraw;
    }

    void typing(String who) {
        synchronized (this) {
            until.put(who, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHOW_MILLIS));
            if (timer == null) {
                timer = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "typing");
                    t.setDaemon(true);
                    return t;
                });
            }
            var unused = timer.schedule(redraw, SHOW_MILLIS + 50, TimeUnit.MILLISECONDS);
        }
        redraw.run();
    }

    /** "bob typing…" for each typist whose indicator still shows. */
    synchronized List<String> now() {
        long t = System.nanoTime();
        until.values().removeIf(end -> end - t < 0);
        List<String> out = new ArrayList<>();
        until.keySet().forEach(who -> out.add(who + " typing…"));
        return out;
    }
}
