package dev.spartan.client;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Puts each sender's messages of a conversation in counter order. A message ahead of the next expected one waits up
 * to {@link #WAIT_MILLIS} for the ones before it; a number still missing then is reported, and what waited is
 * shown. A number already shown (a replay) is dropped without a word.
 */
final class Gaps {
    static final long WAIT_MILLIS = 3_000;

    private final Counters counters;
    private final ScheduledExecutorService timer;
    private final Consumer<Incoming> show;
    private final Consumer<String> notice;
    private final Map<String, TreeMap<Long, Incoming>> waiting = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> timers = new HashMap<>();
    private boolean startAtFirstSeen;

    Gaps(Counters counters, ScheduledExecutorService timer, Consumer<Incoming> show, Consumer<String> notice) {
        this.counters = counters;
        this.timer = timer;
        this.show = show;
        this.notice = notice;
    }

    /** A decrypted message with its sender's counter. */
    synchronized void arrived(Incoming m, long counter) {
        arrived(m, counter, m.sender());
    }

    /**
     * A linked device joins its account's chats at whatever number they are at (PROTOCOL.md, "Devices"): the first
     * message it sees from each sender sets the start, as in a group.
     */
    synchronized void startAtFirstSeen() {
        startAtFirstSeen = true;
    }

    /**
     * A decrypted message with its counter, from the sending device {@code from} (the sender, or sender#N): each
     * device numbers its own messages.
     */
    synchronized void arrived(Incoming m, long counter, String from) {
        String sender = from;
        String conversation = (m.isGroup() ? "#" : "@") + m.peerOrGroup();
        long expected = counters.expected(sender, conversation);
        if (expected == 0) {
            // A 1:1 chat is numbered from its first message (after a key change both sides count from 1 again); a
            // group member may have joined at any number, so there the first message seen sets the start.
            expected = m.isGroup() || startAtFirstSeen ? counter : 1;
        }
        String key = sender + "\t" + conversation;
        TreeMap<Long, Incoming> held = waiting.computeIfAbsent(key, k -> new TreeMap<>());
        if (counter < expected || held.containsKey(counter)) {
            return; // shown before: a replay
        }
        held.put(counter, m);
        expected = release(held, expected);
        counters.expect(sender, conversation, expected);
        ScheduledFuture<?> t = timers.remove(key);
        if (t != null) {
            t.cancel(false);
        }
        if (!held.isEmpty()) {
            timers.put(
                    key, timer.schedule(() -> giveUp(key, sender, conversation), WAIT_MILLIS, TimeUnit.MILLISECONDS));
        } else {
            waiting.remove(key);
        }
    }

    private synchronized void giveUp(String key, String sender, String conversation) {
        timers.remove(key);
        TreeMap<Long, Incoming> held = waiting.remove(key);
        if (held == null || held.isEmpty()) {
            return;
        }
        long expected = counters.expected(sender, conversation);
        while (!held.isEmpty()) {
            long first = held.firstKey();
            long missing = first - expected;
            if (missing > 0) {
                notice.accept(missing + (missing == 1 ? " message" : " messages") + " from "
                        + dev.spartan.contract.Addresses.userOf(sender)
                        + (conversation.startsWith("#") ? " in " + conversation.substring(1) : "")
                        + (missing == 1 ? " is" : " are") + " missing");
            }
            expected = release(held, first);
        }
        counters.expect(sender, conversation, expected);
    }

    /** Shows the messages from {@code expected} on while they are consecutive; returns the next expected. */
    private long release(NavigableMap<Long, Incoming> held, long expected) {
        while (!held.isEmpty() && held.firstKey() == expected) {
            show.accept(held.pollFirstEntry().getValue());
            expected++;
        }
        return expected;
    }
}
