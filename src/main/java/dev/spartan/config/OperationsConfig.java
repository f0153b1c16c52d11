package dev.spartan.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node is run rather than what it does: where it listens, where it exposes metrics, how long it drains.
 *
 * @param bind        {@code bind}: the address to listen on; null for every interface
 * @param metricsPort {@code metrics_port}: the port of the Prometheus endpoint; 0 for none
 * @param drain       {@code drain_seconds}: how long a stopping node keeps serving after it reports NOT_SERVING
 */
public record OperationsConfig(String bind, int metricsPort, Duration drain) {
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(5);
    public static final OperationsConfig DEFAULTS = new OperationsConfig(null, 0, DEFAULT_DRAIN);

    public OperationsConfig {
        Objects.requireNonNull(drain, "drain");
    }

    public OperationsConfig withBind(String address) {
        return new OperationsConfig(address, metricsPort, drain);
    }

    public OperationsConfig withMetricsPort(int port) {
        return new OperationsConfig(bind, port, drain);
    }

    public OperationsConfig withDrain(Duration period) {
        return new OperationsConfig(bind, metricsPort, period);
    }

    public boolean metricsEnabled() {
        return metricsPort > 0;
    }
}
