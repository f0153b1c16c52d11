package dev.spartan.client;

import java.util.function.IntConsumer;

/** A transfer's progress in whole percent, told only when the figure changes (not at each 32 KiB message). */
final class Percent {
    private final long total;
    private final IntConsumer changed;
    private int last = -1;

    Percent(long total, IntConsumer changed) {
        this.total = total;
        this.changed = changed;
    }

    static int of(long done, long total) {
        return total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    }

    synchronized void at(long done) {
        int now = of(done, total);
        if (now != last) {
            last = now;
            changed.accept(now);
        }
    }
}
