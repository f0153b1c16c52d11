package dev.spartan.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final LocalRateLimiter limiter =
            new LocalRateLimiter(new RateLimitConfig(3, Duration.ofSeconds(30)), now::get);

    private void advance(long seconds) {
        now.addAndGet(seconds * SECOND);
    }

    @Test
    void configIsValidated() {
        assertThatThrownBy(() -> new RateLimitConfig(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimitConfig(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimitConfig(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RateLimitConfig.perThirtySeconds(3)).isEqualTo(new RateLimitConfig(3, Duration.ofSeconds(30)));
    }

    @Test
    void aRefundedCallNoLongerCountsAndTheOthersKeepTheirPlace() {
        Decision first = limiter.tryAcquire("alice");
        advance(1);
        Decision second = limiter.tryAcquire("alice");
        advance(1);
        limiter.tryAcquire("alice");
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
        second.refund();
        assertThat(limiter.tryAcquire("alice").allowed())
                .as("the refunded place is free again")
                .isTrue();
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
        // The oldest call still leaves the window on time: the refund took out the second, not the first.
        advance(28);
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        assertThat(first.allowed()).isTrue();
    }

    @Test
    void admitsMaxCallsThenDeniesWithTimeUntilOldestLeaves() {
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        }
        assertThat(limiter.tryAcquire("alice")).isEqualTo(Decision.deny(Duration.ofSeconds(30)));
        advance(10);
        assertThat(limiter.tryAcquire("alice")).isEqualTo(Decision.deny(Duration.ofSeconds(20)));
        advance(20);
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue(); // exactly one window later, the burst has left
    }

    @Test
    void windowSlidesInsteadOfResetting() {
        limiter.tryAcquire("alice"); // t=0
        advance(10);
        limiter.tryAcquire("alice"); // t=10
        advance(10);
        limiter.tryAcquire("alice"); // t=20
        advance(9);
        assertThat(limiter.tryAcquire("alice")).isEqualTo(Decision.deny(Duration.ofSeconds(1))); // t=29
        advance(1);
        assertThat(limiter.tryAcquire("alice").allowed()).isTrue(); // t=30: t=0 left
        advance(1);
        assertThat(limiter.tryAcquire("alice")).isEqualTo(Decision.deny(Duration.ofSeconds(9))); // t=31: t=10 is oldest
    }

    @Test
    void usersAreLimitedIndependently() {
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire("alice");
        }
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
        assertThat(limiter.tryAcquire("bob").allowed()).isTrue();
    }

    @Test
    void neverMoreThanMaxInAnyWindowAndNeverDeniesWithoutReason() {
        Random rnd = new Random(42);
        long window = 30 * SECOND;
        List<Long> admitted = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            now.addAndGet((long) (rnd.nextDouble() * 5 * SECOND));
            long t = now.get();
            long inWindowBefore = admitted.stream().filter(a -> t - a < window).count();
            boolean allowed = limiter.tryAcquire("alice").allowed();
            // Exact in both directions: admitted iff fewer than max admissions in the window ending now.
            assertThat(allowed).isEqualTo(inWindowBefore < 3);
            if (allowed) {
                admitted.add(t);
            }
        }
        assertThat(admitted).hasSizeGreaterThan(100);
    }

    @Test
    void idleKeysAreForgotten() {
        for (int i = 0; i < 1_000; i++) {
            limiter.tryAcquire("user" + i);
        }
        assertThat(limiter.trackedKeys()).isEqualTo(1_000);
        advance(31);
        limiter.tryAcquire("alice"); // triggers the once-per-window sweep
        assertThat(limiter.trackedKeys()).isEqualTo(1);
    }

    @Test
    void hugeLimitsDoNotPreallocate() {
        LocalRateLimiter generous =
                new LocalRateLimiter(new RateLimitConfig(Integer.MAX_VALUE, Duration.ofSeconds(30)));
        for (int i = 0; i < 10_000; i++) {
            assertThat(generous.tryAcquire("user" + (i % 100)).allowed()).isTrue();
        }
    }

    @Test
    void concurrentCallersForOneKeyGetExactlyMaxAdmissions() throws Exception {
        LocalRateLimiter shared = new LocalRateLimiter(new RateLimitConfig(100, Duration.ofHours(1)));
        AtomicLong admitted = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 10_000; i++) {
                        if (shared.tryAcquire("alice").allowed()) {
                            admitted.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(admitted.get()).isEqualTo(100);
    }
}
