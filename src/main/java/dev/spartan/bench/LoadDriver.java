package dev.spartan.bench;

import dev.spartan.proto.ChatRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives senders against their targets and measures what arrives. Each message carries its send time
 * ({@code System.nanoTime()}, the same clock for sender and receiver: both live in this JVM) and a measured/warm-up
 * flag, so the warm-up never pollutes the figures and every measured message is accounted for: received or lost.
 */
final class LoadDriver {
    /** A sender, where it sends, and how many receipts one message produces (1 for 1:1, members-1 for groups). */
    record Route(Endpoint sender, ChatRef target, int fanout, String ackReceiver) {}

    record Result(long sent, long expected, long received, double seconds, Histogram latency) {
        double deliveredPerSecond() {
            return received / seconds;
        }

        long lost() {
            return expected - received;
        }
    }

    private final Recorder recorder = new Recorder(3);
    private final AtomicLong received = new AtomicLong();
    private final int bodyBytes;
    private final List<Semaphore> windows = new ArrayList<>();
    private final List<String> ackReceivers = new ArrayList<>();
    private volatile long runStart = Long.MAX_VALUE;
    /** Routes that have delivered a message in this run's warm-up: the measured span starts only once all have. */
    private final java.util.Set<Integer> warmRoutes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private volatile CountDownLatch warm = new CountDownLatch(0);
    /** Set when the warm-up ends; until then nothing is measured and the run does not end. */
    private volatile long measureStart = Long.MAX_VALUE;

    private volatile long end = Long.MAX_VALUE;

    /** However slow the machine, a run measures something after this much warm-up. */
    private static final long LONGEST_WARMUP_NANOS = TimeUnit.SECONDS.toNanos(60);

    LoadDriver(int bodyBytes) {
        this.bodyBytes = bodyBytes;
    }

    /** The sink every endpoint reports to. */
    Endpoint.Sink sink() {
        return (receiver, text) -> {
            int colon = text.indexOf(':');
            int second = text.indexOf(':', colon + 1);
            if (colon < 0 || second < 0) {
                return;
            }
            long sentAt = Long.parseLong(text, 0, colon, 10);
            if (sentAt < runStart) {
                return; // a straggler of an earlier run
            }
            int route = Integer.parseInt(text, colon + 2, second, 10);
            boolean measured = text.charAt(colon + 1) == 'M';
            if (measured) {
                recorder.recordValue(Math.max(1, (System.nanoTime() - sentAt) / 1000));
                received.incrementAndGet();
            }
            if (receiver.equals(ackReceivers.get(route))) {
                if (!measured && warmRoutes.add(route)) {
                    warm.countDown();
                }
                windows.get(route).release(); // this receiver answers for the message's flow-control window
            }
        };
    }

    /**
     * @param ratePerRoute messages per second per route, or 0 for as fast as the window allows
     * @param window       messages in flight per route in max mode
     */
    Result run(List<Route> routes, int ratePerRoute, int window, Duration warmup, Duration measure)
            throws InterruptedException {
        return run(routes, ratePerRoute, window, warmup, measure, () -> {});
    }

    /** @param atMeasureStart runs once, on its own thread, when the warm-up ends */
    Result run(
            List<Route> routes,
            int ratePerRoute,
            int window,
            Duration warmup,
            Duration measure,
            Runnable atMeasureStart)
            throws InterruptedException {
        runStart = System.nanoTime();
        received.set(0);
        warmRoutes.clear();
        warm = new CountDownLatch(routes.size());
        measureStart = Long.MAX_VALUE;
        end = Long.MAX_VALUE;
        windows.clear();
        ackReceivers.clear();
        for (Route route : routes) {
            windows.add(new Semaphore(window));
            ackReceivers.add(route.ackReceiver());
        }
        List<Thread> threads = new ArrayList<>();
        AtomicLong sent = new AtomicLong();
        AtomicLong expected = new AtomicLong();
        long start = System.nanoTime();
        for (int r = 0; r < routes.size(); r++) {
            int route = r;
            Route it = routes.get(r);
            Thread t = new Thread(
                    () -> {
                        long interval = ratePerRoute > 0 ? 1_000_000_000L / ratePerRoute : 0;
                        long next = System.nanoTime();
                        long seq = 0;
                        while (true) {
                            long now = System.nanoTime();
                            if (now >= end) {
                                return;
                            }
                            if (interval > 0) {
                                if (now < next) {
                                    LockSupport.parkNanos(
                                            next - now); // pacing the open-loop sender, not synchronization
                                    continue;
                                }
                                next += interval;
                            } else {
                                try {
                                    long wait = Math.min(end - now, TimeUnit.MILLISECONDS.toNanos(100));
                                    if (!windows.get(route).tryAcquire(wait, TimeUnit.NANOSECONDS)) {
                                        continue; // the window is full: look at the clock again
                                    }
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                            boolean measured = System.nanoTime() >= measureStart;
                            it.sender().send(it.target(), body(System.nanoTime(), measured, route, seq++));
                            if (measured) {
                                sent.incrementAndGet();
                                expected.addAndGet(it.fanout());
                            }
                        }
                    },
                    "load-" + r);
            t.setDaemon(true);
            threads.add(t);
        }
        // The warm-up lasts its time and until every route has delivered a message (a cold connection on a busy
        // machine can take seconds), so that a measured span never starts with routes that cannot deliver yet.
        Thread marker = new Thread(
                () -> {
                    long warmEnough = start + warmup.toNanos();
                    long wait = warmEnough - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait); // the warm-up's own length: a timer, not synchronization
                    }
                    try {
                        var unused = warm.await(LONGEST_WARMUP_NANOS, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    // The servers' scrape comes first: on a starved machine it can take longer than the span,
                    // and a span that had started under it would leave the scrape's later lines after its end.
                    atMeasureStart.run();
                    long now = System.nanoTime();
                    measureStart = now;
                    end = now + measure.toNanos();
                },
                "measure-start");
        marker.setDaemon(true);
        threads.add(marker);
        recorder.getIntervalHistogram();
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (received.get() < expected.get() && System.nanoTime() < drainDeadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // waiting for stragglers, bounded
        }
        double seconds = measure.toNanos() / 1e9;
        return new Result(sent.get(), expected.get(), received.get(), seconds, recorder.getIntervalHistogram());
    }

    private String body(long sentAt, boolean measured, int route, long seq) {
        StringBuilder b = new StringBuilder(bodyBytes);
        b.append(sentAt)
                .append(':')
                .append(measured ? 'M' : 'W')
                .append(route)
                .append(':')
                .append(seq)
                .append(':');
        while (b.length() < bodyBytes) {
            b.append('x');
        }
        return b.toString();
    }
}
