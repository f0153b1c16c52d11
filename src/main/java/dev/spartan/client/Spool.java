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

    /** Records a message (again, when it becomes held); durable when this returns. */
    void save(Outbox.Pending pending, boolean held);

    void remove(String messageId);

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
