package dev.spartan.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.spartan.ratelimit.FailoverRateLimiter.FailMode;
import dev.spartan.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FailoverRateLimiterTest {

    private static final RateLimitConfig CFG = new RateLimitConfig(3, Duration.ofSeconds(30));

    /** A primary that can be switched off, counting how often it is asked. */
    static final class FlakyPrimary implements RateLimiter {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger calls = new AtomicInteger();
        final LocalRateLimiter delegate;

        FlakyPrimary(AtomicLong clock) {
            delegate = new LocalRateLimiter(CFG, clock::get);
        }

        @Override
        public Decision tryAcquire(String key) {
            calls.incrementAndGet();
            if (down.get()) {
                throw new RateLimiterUnavailableException("simulated outage", null);
            }
            return delegate.tryAcquire(key);
        }

        @Override
        public RateLimitConfig config() {
            return CFG;
        }
    }

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(FailoverRateLimiter.class);
    private final AtomicLong clock = new AtomicLong();

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    private long count(Level level) {
        return logs.list.stream().filter(e -> e.getLevel() == level).count();
    }

    @Test
    void openModeFallsBackToLocalLimitsAndLogsOnce() {
        FlakyPrimary primary = new FlakyPrimary(clock);
        FailoverRateLimiter limiter = new FailoverRateLimiter(
                primary, new LocalRateLimiter(CFG, clock::get), FailMode.OPEN, Duration.ZERO, clock::get);
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        primary.down.set(true);
        // alice already used one call, which the fallback saw too: two more locally, then denied.
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
        assertThat(limiter.degraded()).isTrue();
        assertThat(count(Level.WARN)).isEqualTo(1);

        primary.down.set(false);
        assertThat(limiter.tryAcquire("bob").allowed()).isTrue();
        assertThat(limiter.degraded()).isFalse();
        assertThat(count(Level.INFO)).isEqualTo(1);
        assertThat(count(Level.WARN)).isEqualTo(1);
    }

    @Test
    void closedModeDeniesWhileDegraded() {
        FlakyPrimary primary = new FlakyPrimary(clock);
        FailoverRateLimiter limiter = new FailoverRateLimiter(
                primary, new LocalRateLimiter(CFG, clock::get), FailMode.CLOSED, Duration.ZERO, clock::get);
        primary.down.set(true);
        assertThat(limiter.tryAcquire("alice")).isEqualTo(Decision.deny(Duration.ofSeconds(1)));
        assertThat(limiter.tryAcquire("bob")).isEqualTo(Decision.deny(Duration.ofSeconds(1)));
        primary.down.set(false);
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
    }

    @Test
    void skipsADeadPrimaryForTheBackoffThenRetries() {
        FlakyPrimary primary = new FlakyPrimary(clock);
        FailoverRateLimiter limiter = new FailoverRateLimiter(
                primary, new LocalRateLimiter(CFG, clock::get), FailMode.OPEN, Duration.ofSeconds(1), clock::get);
        primary.down.set(true);
        limiter.tryAcquire("alice");
        limiter.tryAcquire("bob");
        limiter.tryAcquire("carol");
        assertThat(primary.calls.get())
                .as("only the first call waits for the dead primary")
                .isEqualTo(1);
        primary.down.set(false);
        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        limiter.tryAcquire("dave");
        assertThat(primary.calls.get()).isEqualTo(2);
        assertThat(limiter.degraded()).isFalse();
    }

    @Test
    void rejectsMismatchedLimits() {
        assertThatThrownBy(() -> new FailoverRateLimiter(
                        new FlakyPrimary(clock),
                        new LocalRateLimiter(new RateLimitConfig(4, Duration.ofSeconds(30))),
                        FailMode.OPEN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- against a real Redis that gets killed and restarted ------------------------------------------------

    private RedisServerProcess redis;
    private RedisClient client;
    private StatefulRedisConnection<String, String> conn;
    private StatefulRedisConnection<String, String> inspector;

    private void startRedis() {
        redis = new RedisServerProcess();
        client = RedisClient.create(redis.uri());
        conn = client.connect();
    }

    private long zcard(String key) {
        if (inspector == null || !inspector.isOpen()) {
            inspector = client.connect();
        }
        return inspector.sync().zcard(key);
    }

    @AfterEach
    void stopRedis() {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (redis != null) {
            redis.close();
        }
    }

    private FailoverRateLimiter overRedis(FailMode mode, RedisRateLimiter primary) {
        // Small back-off so the test notices the restart quickly; production uses the 1s default.
        return new FailoverRateLimiter(
                primary, new LocalRateLimiter(CFG), mode, Duration.ofMillis(100), System::nanoTime);
    }

    @Test
    void openModeSurvivesRedisCrashAndReturnsToRedis() {
        startRedis();
        RedisRateLimiter primary = new RedisRateLimiter(conn, "rl:", CFG, Duration.ofMillis(300));
        FailoverRateLimiter limiter = overRedis(FailMode.OPEN, primary);
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        assertThat(zcard(primary.key("alice"))).isEqualTo(2);

        redis.stop();
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue(); // third call, counted locally
        assertThat(limiter.degraded()).isTrue();
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse(); // local limit holds
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("bob").allowed()).isTrue();
        }
        assertThat(limiter.tryAcquire("bob").allowed()).isFalse();

        redis.restart(); // empty: no persistence, and the script cache is gone too (NOSCRIPT path)
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    limiter.tryAcquire("dave");
                    return !limiter.degraded();
                });
        // At least the recovering call reached Redis (a timed-out attempt might have been delivered late, too);
        // the next call must add exactly one more entry there.
        long before = zcard(primary.key("dave"));
        assertThat(before).as("the recovering call went to Redis").isBetween(1L, 2L);
        assertThat(limiter.tryAcquire("dave").allowed()).isTrue();
        assertThat(zcard(primary.key("dave"))).isEqualTo(before + 1);
        assertThat(count(Level.WARN)).isEqualTo(1);
        assertThat(count(Level.INFO)).isEqualTo(1);
    }

    @Test
    void closedModeDeniesDuringRedisOutageAndRecovers() {
        startRedis();
        RedisRateLimiter primary = new RedisRateLimiter(conn, "rl:", CFG, Duration.ofMillis(300));
        FailoverRateLimiter limiter = overRedis(FailMode.CLOSED, primary);
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();

        redis.stop();
        Decision denied = limiter.tryAcquire("alice");
        assertThat(denied).isEqualTo(Decision.deny(Duration.ofSeconds(1)));
        assertThat(limiter.tryAcquire("newcomer").allowed()).isFalse();

        redis.restart();
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> limiter.tryAcquire("erin").allowed());
        assertThat(limiter.degraded()).isFalse();
        assertThat(zcard(primary.key("erin"))).isPositive();
    }
}
