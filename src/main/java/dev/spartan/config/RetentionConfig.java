package dev.spartan.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the server keeps what it holds, from config.yaml's optional {@code retention:} mapping. A duration of
 * zero keeps that kind of record without an age limit (the other bounds, such as {@code limits.history_kept}, still
 * hold).
 *
 * @param undelivered  {@code retention.undelivered_days}: a message not yet acknowledged by its reader (default 30,
 *                     as Signal-Server's queues); its sender then hears it expired
 * @param heldRequests {@code retention.held_requests_days}: messages held for a chat request nobody answered
 *                     (default 30); their sender hears they expired
 * @param history      {@code retention.history_days}: the recent history of conversations (default 0: no age limit)
 * @param sweepEvery   {@code retention.sweep_seconds}: how often the node deletes what expired (default 3600)
 */
public record RetentionConfig(Duration undelivered, Duration heldRequests, Duration history, Duration sweepEvery) {
    public static final RetentionConfig DEFAULTS =
            new RetentionConfig(Duration.ofDays(30), Duration.ofDays(30), Duration.ZERO, Duration.ofHours(1));

    public RetentionConfig {
        Objects.requireNonNull(undelivered, "undelivered");
        Objects.requireNonNull(heldRequests, "heldRequests");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(sweepEvery, "sweepEvery");
    }
}
