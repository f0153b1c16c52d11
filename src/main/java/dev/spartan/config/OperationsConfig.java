package dev.spartan.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node is run rather than what it does: where it listens, where it exposes metrics, how long it drains.
 *
 * @param bind        {@code bind}: the address to listen on; null for every interface
 * @param metricsPort {@code metrics_port}: the port of the Prometheus endpoint; 0 for none
 * @param drain       {@code drain_seconds}: how long a stopping node keeps serving after it reports NOT_SERVING
 * @param redis       the Redis password, CA file and start wait
 */
public record OperationsConfig(String bind, int metricsPort, Duration drain, RedisAccess redis) {
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(5);
    public static final OperationsConfig DEFAULTS = new OperationsConfig(null, 0, DEFAULT_DRAIN);

    public OperationsConfig {
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(redis, "redis");
    }

    public OperationsConfig(String bind, int metricsPort, Duration drain) {
        this(bind, metricsPort, drain, RedisAccess.DEFAULTS);
    }

    public OperationsConfig withBind(String address) {
        return new OperationsConfig(address, metricsPort, drain, redis);
    }

    public OperationsConfig withMetricsPort(int port) {
        return new OperationsConfig(bind, port, drain, redis);
    }

    public OperationsConfig withDrain(Duration period) {
        return new OperationsConfig(bind, metricsPort, period, redis);
    }

    public OperationsConfig withRedis(RedisAccess access) {
        return new OperationsConfig(bind, metricsPort, drain, access);
    }

    public boolean metricsEnabled() {
        return metricsPort > 0;
    }
}
