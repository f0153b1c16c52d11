package dev.spartan.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 * shown. A number already shown (a replay) is dropped without a word. Counting and showing are apart: the next
 * expected numbers are synced ({@link Counters#sync}) before anything they let through is shown, so a crash never
 * leaves a message shown whose number the restarted client would expect again.
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

    /** A decrypted message with its sender's counter: counted, synced, and shown with what it lets through. */
    synchronized void arrived(Incoming m, long counter) {
        arrived(m, counter, m.sender());
    }

    /** As {@link #arrived(Incoming, long)}, from the sending device {@code from}. */
    synchronized void arrived(Incoming m, long counter, String from) {
        List<Incoming> ready = counted(m, counter, from);
        counters.sync();
        ready.forEach(show);
    }

    /**
     * A linked device joins its account's chats at whatever number they are at (PROTOCOL.md, "Devices"): the first
     * message it sees from each sender sets the start, as in a group.
     */
    synchronized void startAtFirstSeen() {
        startAtFirstSeen = true;
    }

    /**
     * Counts a decrypted message with its counter, from the sending device {@code from} (the sender, or sender#N):
     * each device numbers its own messages. Returns what may be shown now, in order, once the caller has synced the
     * counters; the waiting for missing numbers starts here.
     */
    synchronized List<Incoming> counted(Incoming m, long counter, String from) {
        if (!isNew(m, counter, from)) {
            return List.of(); // shown before: a replay
        }
        String sender = from;
        String conversation = conversation(m);
        long expected = expected(m, counter, from);
        String key = sender + "\t" + conversation;
        TreeMap<Long, Incoming> held = waiting.computeIfAbsent(key, k -> new TreeMap<>());
        held.put(counter, m);
        List<Incoming> ready = new ArrayList<>();
        expected = release(held, expected, ready);
        counters.expectUnsynced(sender, conversation, expected);
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
        return ready;
    }

    /** False for a replay: a number let through already, or one waiting. Changes nothing. */
    synchronized boolean isNew(Incoming m, long counter, String from) {
        TreeMap<Long, Incoming> held = waiting.get(from + "\t" + conversation(m));
        return counter >= expected(m, counter, from) && (held == null || !held.containsKey(counter));
    }

    /**
     * A message kept from before a restart ({@link KeptMessages}), not shown yet: if its number was let through
     * already (its counters were synced, the screen never came), it is ready as it is; else it is counted as if it
     * arrived now. Returns what may be shown once the caller has synced the counters.
     */
    synchronized List<Incoming> recounted(Incoming m, long counter, String from) {
        return isNew(m, counter, from) ? counted(m, counter, from) : List.of(m);
    }

    private static String conversation(Incoming m) {
        return (m.isGroup() ? "#" : "@") + m.peerOrGroup();
    }

    /** The next number expected from {@code from} in the message's conversation; a first one sets the start. */
    private long expected(Incoming m, long counter, String from) {
        long expected = counters.expected(from, conversation(m));
        if (expected == 0) {
            // A 1:1 chat is numbered from its first message (after a key change both sides count from 1 again); a
            // group member may have joined at any number, so there the first message seen sets the start.
            expected = m.isGroup() || startAtFirstSeen ? counter : 1;
        }
        return expected;
    }

    private synchronized void giveUp(String key, String sender, String conversation) {
        timers.remove(key);
        TreeMap<Long, Incoming> held = waiting.remove(key);
        if (held == null || held.isEmpty()) {
            return;
        }
        long expected = counters.expected(sender, conversation);
        List<Object> said = new ArrayList<>(); // notices and messages, in the order they are told
        while (!held.isEmpty()) {
            long first = held.firstKey();
            long missing = first - expected;
            if (missing > 0) {
                said.add(missing + (missing == 1 ? " message" : " messages") + " from "
                        + dev.spartan.contract.Addresses.userOf(sender)
                        + (conversation.startsWith("#") ? " in " + conversation.substring(1) : "")
                        + (missing == 1 ? " is" : " are") + " missing");
            }
            List<Incoming> ready = new ArrayList<>();
            expected = release(held, first, ready);
            said.addAll(ready);
        }
        counters.expect(sender, conversation, expected);
        for (Object o : said) {
            if (o instanceof Incoming m) {
                show.accept(m);
            } else {
                notice.accept((String) o);
            }
        }
    }

    /** Moves the messages from {@code expected} on to {@code ready} while they are consecutive; returns the next. */
    private static long release(NavigableMap<Long, Incoming> held, long expected, List<Incoming> ready) {
        while (!held.isEmpty() && held.firstKey() == expected) {
            ready.add(held.pollFirstEntry().getValue());
            expected++;
        }
        return expected;
    }
}
