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
 * @param logLevel    {@code log_level}: the level when neither {@code --log-level} nor SPARTAN_LOG_LEVEL sets one,
 *                    and the level a SIGHUP applies; null if not set
 */
public record OperationsConfig(String bind, int metricsPort, Duration drain, RedisAccess redis, String logLevel) {
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(5);
    public static final OperationsConfig DEFAULTS = new OperationsConfig(null, 0, DEFAULT_DRAIN);

    public OperationsConfig {
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(redis, "redis");
    }

    public OperationsConfig(String bind, int metricsPort, Duration drain) {
        this(bind, metricsPort, drain, RedisAccess.DEFAULTS, null);
    }

    public OperationsConfig withBind(String address) {
        return new OperationsConfig(address, metricsPort, drain, redis, logLevel);
    }

    public OperationsConfig withMetricsPort(int port) {
        return new OperationsConfig(bind, port, drain, redis, logLevel);
    }

    public OperationsConfig withDrain(Duration period) {
        return new OperationsConfig(bind, metricsPort, period, redis, logLevel);
    }

    public OperationsConfig withRedis(RedisAccess access) {
        return new OperationsConfig(bind, metricsPort, drain, access, logLevel);
    }

    public OperationsConfig withLogLevel(String level) {
        return new OperationsConfig(bind, metricsPort, drain, redis, level);
    }

    public boolean metricsEnabled() {
        return metricsPort > 0;
    }
}
