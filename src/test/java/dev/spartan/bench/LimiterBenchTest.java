package dev.spartan.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.RedisServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Smoke test only: the benchmark runs and reports; no assertion about how fast anything is. */
class LimiterBenchTest {

    @Test
    void printsOneLinePerLimiter() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (RedisServerProcess redis = new RedisServerProcess()) {
            LimiterBench.run(redis.uri(), 2_000, new PrintStream(buf, true, StandardCharsets.UTF_8));
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out); // visible in the build log, for the curious
        assertThat(out).contains("local").contains("redis").contains("ns/op").contains("ops/s");
        assertThat(out).doesNotContain(", 1 denied").contains("0 denied");
    }
}
