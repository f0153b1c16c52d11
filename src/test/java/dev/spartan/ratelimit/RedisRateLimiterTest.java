package dev.spartan.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisRateLimiterTest {

    private static RedisServerProcess redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connA;
    private static StatefulRedisConnection<String, String> connB;

    // A fresh prefix per test instance keeps tests independent on the shared server.
    private final String prefix = "rl:test:" + UUID.randomUUID() + ":";

    @BeforeAll
    static void startRedis() {
        redis = new RedisServerProcess();
        client = RedisClient.create(redis.uri());
        connA = client.connect();
        connB = client.connect();
    }

    @AfterAll
    static void stopRedis() {
        if (connA != null) {
            connA.close();
        }
        if (connB != null) {
            connB.close();
        }
        if (client != null) {
            client.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void twoProcessesShareOneExactLimit() {
        RateLimitConfig cfg = new RateLimitConfig(5, Duration.ofSeconds(30));
        RedisRateLimiter serverA = new RedisRateLimiter(connA, prefix, cfg);
        RedisRateLimiter serverB = new RedisRateLimiter(connB, prefix, cfg);
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            Decision d = (i % 2 == 0 ? serverA : serverB).tryAcquire("alice");
            if (d.allowed()) {
                admitted++;
                assertThat(i).as("the first calls are the admitted ones").isLessThan(5);
            } else {
                assertThat(d.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
            }
        }
        assertThat(admitted).isEqualTo(5);
        assertThat(connA.sync().zcard(serverA.key("alice"))).isEqualTo(5);
        // Idle users cost nothing: the key expires one window after the last admission.
        assertThat(connA.sync().pttl(serverA.key("alice"))).isPositive().isLessThanOrEqualTo(30_000);
    }

    @Test
    void windowSlides() {
        RedisRateLimiter limiter = new RedisRateLimiter(connA, prefix, new RateLimitConfig(3, Duration.ofSeconds(1)));
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        }
        Decision denied = limiter.tryAcquire("alice");
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));

        // Denied calls are not counted, so polling does not push the window further out.
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> limiter.tryAcquire("alice").allowed());
    }

    @Test
    void recoversFromScriptFlush() {
        RedisRateLimiter limiter = new RedisRateLimiter(connA, prefix, new RateLimitConfig(2, Duration.ofSeconds(30)));
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        connB.sync().scriptFlush();
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue(); // NOSCRIPT -> reload -> retry
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse(); // and the count survived
    }

    @Test
    void aRefundedCallNoLongerCounts() {
        RedisRateLimiter limiter = new RedisRateLimiter(connA, prefix, new RateLimitConfig(2, Duration.ofSeconds(30)));
        limiter.tryAcquire("refund");
        Decision second = limiter.tryAcquire("refund");
        assertThat(limiter.tryAcquire("refund").allowed()).isFalse();
        second.refund();
        assertThat(limiter.tryAcquire("refund").allowed()).isTrue();
        assertThat(limiter.tryAcquire("refund").allowed()).isFalse();
    }

    @Test
    void usersAreIsolated() {
        RedisRateLimiter limiter = new RedisRateLimiter(connA, prefix, new RateLimitConfig(2, Duration.ofSeconds(30)));
        limiter.tryAcquire("alice");
        limiter.tryAcquire("alice");
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
        assertThat(limiter.tryAcquire("bob").allowed()).isTrue();
        assertThat(limiter.tryAcquire("bob").allowed()).isTrue();
        assertThat(limiter.tryAcquire("bob").allowed()).isFalse();
    }

    @Test
    void sameMicrosecondCallsAllCount() {
        // Many admissions in a tight loop: members must stay unique or ZADD would overwrite and under-count.
        RedisRateLimiter limiter =
                new RedisRateLimiter(connA, prefix, new RateLimitConfig(200, Duration.ofSeconds(30)));
        for (int i = 0; i < 200; i++) {
            assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        }
        assertThat(connA.sync().zcard(limiter.key("alice"))).isEqualTo(200);
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
    }

    @Test
    void unreachableRedisIsReportedAsUnavailable() {
        RateLimitConfig cfg = new RateLimitConfig(2, Duration.ofSeconds(30));
        try (RedisServerProcess other = new RedisServerProcess()) {
            RedisClient otherClient = RedisClient.create(other.uri());
            try (StatefulRedisConnection<String, String> conn = otherClient.connect()) {
                RedisRateLimiter doomed = new RedisRateLimiter(conn, prefix, cfg, Duration.ofMillis(200));
                other.stop();
                assertThatThrownBy(() -> doomed.tryAcquire("alice"))
                        .isInstanceOf(RateLimiterUnavailableException.class);
            } finally {
                otherClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}
