package dev.spartan.chat;

import dev.spartan.config.RetentionConfig;
import dev.spartan.proto.Event;
import dev.spartan.proto.MessagesExpired;
import dev.spartan.store.Cutoffs;
import dev.spartan.store.Expired;
import dev.spartan.store.MessageStore;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what the server holds once it passes {@code retention:} (a sweep every {@code sweep_seconds}), and what the
 * operator purges. A sender whose message was deleted undelivered gets a {@code MessagesExpired} event in their
 * inbox, so it reaches them at their next login (at once if online): nothing vanishes silently.
 */
public final class Retention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final MessageStore store;
    private final InboxWatchers watchers;
    private final RecentMessages recent;
    private final RetentionConfig config;
    private final Clock clock;
    private volatile ScheduledExecutorService sweeper;
    /** The seconds a sweep is scheduled for, for disappearing messages. */
    private final java.util.Set<Long> timers = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Retention(
            MessageStore store, InboxWatchers watchers, RecentMessages recent, RetentionConfig config, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.watchers = Objects.requireNonNull(watchers, "watchers");
        this.recent = Objects.requireNonNull(recent, "recent");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Sweeps every {@code sweep_seconds}, the first time one interval after the start. */
    public void start() {
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "retention");
            t.setDaemon(true);
            return t;
        });
        long every = config.sweepEvery().toMillis();
        var unused = sweeper.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn(
                    "retention sweep failed (tried again in {} s): {}",
                    config.sweepEvery().toSeconds(),
                    e.getMessage());
        }
    }

    /**
     * Deletes what is older than the configured retention now, and every message whose disappearing timer has run
     * out; returns how many messages expired undelivered.
     */
    public int sweep() {
        long now = clock.millis();
        return apply(new Cutoffs(
                before(now, config.undelivered()),
                before(now, config.heldRequests()),
                before(now, config.history()),
                now,
                java.util.Set.of()));
    }

    /**
     * A message that disappears at {@code atMillis} was stored: the sweep runs then (one sweep per second that has
     * such messages, however many), so the server holds no copy after its timer.
     */
    public void expiresAt(long atMillis) {
        ScheduledExecutorService s = sweeper;
        long second = Math.floorDiv(atMillis, 1000) + 1;
        if (s == null || !timers.add(second)) {
            return;
        }
        long delay = Math.max(0, second * 1000 - clock.millis());
        var unused = s.schedule(
                () -> {
                    timers.remove(second);
                    sweepQuietly();
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    /** A sender deleted messages for everyone: what the store holds of them goes now (durable on return). */
    public void delete(String sender, java.util.Collection<String> messageIds) {
        store.sweep(Cutoffs.deleting(sender, messageIds));
        recent.invalidateAll();
    }

    /** The operator's purge by age: every message sent more than {@code age} ago, whatever the retention. */
    public int olderThan(Duration age) {
        long cutoff = clock.millis() - age.toMillis();
        return apply(new Cutoffs(cutoff, cutoff, cutoff));
    }

    /** The operator's purge of one user: nothing of theirs is left in the store. */
    public void purge(String user) {
        for (String address : new DeviceAddresses(store).of(user)) {
            if (!address.equals(user)) {
                store.purge(address); // a linked device's inbox and prekeys
            }
        }
        store.dropDevices(user);
        store.purge(user);
        recent.invalidateAll();
        log.warn("operator purged every record of {} from the store", user);
    }

    private static long before(long now, Duration keep) {
        return keep.isZero() ? 0 : now - keep.toMillis();
    }

    private int apply(Cutoffs cutoffs) {
        List<Expired> expired = store.sweep(cutoffs);
        Set<String> told = new LinkedHashSet<>();
        int count = 0;
        DeviceAddresses devices = new DeviceAddresses(store);
        for (Expired e : expired) {
            told.addAll(devices.appendToAll(
                    store,
                    e.sender(),
                    Event.newBuilder()
                            .setExpired(MessagesExpired.newBuilder()
                                    .setChat(e.chat())
                                    .addAllMessageIds(e.messageIds()))
                            .build()));
            count += e.messageIds().size();
        }
        watchers.inboxesGrew(told);
        recent.invalidateAll(); // history may have lost entries
        if (count > 0) {
            log.info(
                    "retention: {} undelivered message(s) of {} sender(s) expired and were deleted",
                    count,
                    told.size());
        }
        return count;
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
