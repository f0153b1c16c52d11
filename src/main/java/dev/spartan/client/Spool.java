package dev.spartan.client;

import java.util.List;

/**
 * Where the outbox keeps messages the server has not stored yet, so that neither /quit nor a crash loses them.
 * {@link #none()} keeps nothing (a benchmark or a test that wants no files).
 */
interface Spool {
    record Entry(Outbox.Pending pending, boolean held) {}

    /** What an earlier run left, oldest first. */
    List<Entry> load();

    /**
     * Records a message (again, when it becomes held). When this returns it survives the process's crash; it is on
     * disk once {@link #sync} returns.
     */
    void save(Outbox.Pending pending, boolean held);

    /** Forgets a message; on disk with the next {@link #sync} (until then a power loss may bring it back). */
    void remove(String messageId);

    /** Makes everything recorded so far durable; the outbox calls it before it sends what was saved. */
    default void sync() {}

    static Spool none() {
        return new Spool() {
            @Override
            public List<Entry> load() {
                return List.of();
            }

            @Override
            public void save(Outbox.Pending pending, boolean held) {}

            @Override
            public void remove(String messageId) {}
        };
    }
}
