package dev.spartan.bench;

import dev.spartan.ratelimit.LocalRateLimiter;
import dev.spartan.ratelimit.RateLimitConfig;
import dev.spartan.ratelimit.RateLimiter;
import dev.spartan.ratelimit.RedisRateLimiter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Prints what one rate-limit check costs, for {@link LocalRateLimiter} and, given a Redis URI,
 * {@link RedisRateLimiter}, with a limit so high that every check takes the common admit path. Informal and
 * single-threaded, it asserts nothing about time.
 *
 * <p>Usage: {@code java -cp spartan.jar dev.spartan.bench.LimiterBench [redis://host:port] [iterations]}
 */
public final class LimiterBench {

    private static final RateLimitConfig GENEROUS = new RateLimitConfig(Integer.MAX_VALUE / 2, Duration.ofSeconds(30));
    private static final int USERS = 64;

    private LimiterBench() {}

    public static void main(String[] args) {
        String uri = args.length > 0 && !args[0].isBlank() ? args[0] : null;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        run(uri, iterations, System.out);
    }

    /**
     * Measures the local limiter, and the Redis one if a URI is given, printing checks per second.
     *
     * @param redisUri   Redis to benchmark against, or {@code null} for the local limiter only
     * @param iterations measured checks per limiter (a warm-up of the same size, capped, runs first)
     */
    public static void run(String redisUri, int iterations, PrintStream out) {
        Objects.requireNonNull(out, "out");
        if (iterations <= 0) {
            throw new IllegalArgumentException("iterations must be > 0");
        }
        measure("local", new LocalRateLimiter(GENEROUS), iterations, out);
        if (redisUri != null) {
            RedisClient client = RedisClient.create(redisUri);
            try (StatefulRedisConnection<String, String> conn = client.connect()) {
                String prefix = "bench:" + ProcessHandle.current().pid() + ":";
                // Each Redis check is a network round trip, so fewer iterations keep the run short.
                RedisRateLimiter redis = new RedisRateLimiter(
                        conn, prefix, GENEROUS, Duration.ofSeconds(5)); // a busy machine must not fail the bench
                measure("redis", redis, Math.max(1, iterations / 20), out);
                conn.sync()
                        .del(java.util.stream.IntStream.range(0, USERS)
                                .mapToObj(i -> redis.key(user(i)))
                                .toArray(String[]::new));
            } finally {
                client.shutdown();
            }
        }
    }

    private static String user(int i) {
        return "user" + i;
    }

    private static void measure(String name, RateLimiter limiter, int iterations, PrintStream out) {
        String[] users = new String[USERS];
        for (int i = 0; i < USERS; i++) {
            users[i] = user(i);
        }
        int warmup = Math.min(iterations, 50_000);
        long denied = 0;
        for (int i = 0; i < warmup; i++) {
            denied += limiter.tryAcquire(users[i % USERS]).allowed() ? 0 : 1;
        }
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            denied += limiter.tryAcquire(users[i % USERS]).allowed() ? 0 : 1;
        }
        long elapsed = System.nanoTime() - start;
        double nsPerOp = (double) elapsed / iterations;
        out.printf(
                Locale.ROOT,
                "%-6s %,12.0f ns/op %,14.0f ops/s  (%d checks, %d denied)%n",
                name,
                nsPerOp,
                1e9 / nsPerOp,
                iterations,
                denied);
    }
}
