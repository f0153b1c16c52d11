package dev.spartan.ops;

import dev.spartan.store.MessageStore;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health that tells the truth: every service is SERVING only while the store answers a cheap probe, checked every
 * {@link #PERIOD}. A node whose Redis is down cannot log anyone in or store a message, so it says NOT_SERVING and a
 * load balancer sends clients elsewhere; when the store answers again, so does health. Once draining, the node stays
 * NOT_SERVING whatever the store does.
 */
final class StoreHealth implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);
    static final Duration PERIOD = Duration.ofSeconds(1);

    private final HealthStatusManager health;
    private final MessageStore store;
    private final List<String> services;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "store-health");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean available;
    private boolean probed;
    private volatile boolean draining;

    /** @param services the health service names, "" (the whole node) among them */
    StoreHealth(HealthStatusManager health, MessageStore store, List<String> services) {
        this.health = health;
        this.store = store;
        this.services = List.copyOf(services);
    }

    /** Probes once now, then every {@link #PERIOD}. */
    void start() {
        probe();
        var unused =
                timer.scheduleWithFixedDelay(this::probe, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean available() {
        return available;
    }

    /** NOT_SERVING from now on, for good: the node is stopping. */
    void drain() {
        draining = true;
        timer.shutdownNow();
        health.enterTerminalState();
    }

    private void probe() {
        String problem = null;
        try {
            store.ping();
        } catch (RuntimeException e) {
            problem = e.getMessage() != null ? e.getMessage() : e.toString();
        }
        synchronized (this) {
            if (draining) {
                return;
            }
            boolean now = problem == null;
            if (now != available || !probed) {
                if (now) {
                    log.info("store {}: health SERVING", probed ? "back" : "available");
                } else {
                    log.warn("store lost ({}): health NOT_SERVING until it answers again", Printable.of(problem));
                }
            }
            available = now;
            probed = true;
            ServingStatus status = now ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            services.forEach(s -> health.setStatus(s, status));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
