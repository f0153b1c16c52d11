package dev.spartan.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;

/**
 * A warm-up that runs rounds until this JVM's JIT compiler is quiet: measured while the compiler still works, a
 * per-message CPU figure counts the compiler, not the code measured (on 2 cores it was up to two fifths of the span
 * after 1,000 messages).
 */
final class JitWarmup {
    /** The warm-up ends once the JIT compiler's threads used less than this share of a round's CPU. */
    static final double QUIET = 0.10;
    /** Rounds at most, however busy the compiler stays. */
    static final int MAX_ROUNDS = 40;

    /** One round of the work measured. */
    interface Round {
        void run() throws Exception;
    }

    private JitWarmup() {}

    /** Runs {@code round} until the compiler is quiet (or {@link #MAX_ROUNDS}); returns the rounds run. */
    static int run(Round round) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int rounds = 1; ; rounds++) {
            long start = os.getProcessCpuTime();
            double jitStart = ProcStats.compilerCpuSeconds();
            round.run();
            double jit = ProcStats.compilerCpuSeconds() - jitStart;
            // Without /proc (NaN) there is nothing to wait for.
            if (rounds == MAX_ROUNDS || !(jit * 1e9 >= QUIET * (os.getProcessCpuTime() - start))) {
                return rounds;
            }
        }
    }

    /** How the warm-up is described in a bench's first line. */
    static String describe(int messages, int roundSize) {
        return String.format(
                java.util.Locale.ROOT,
                "after %d to warm up (rounds of %d until the JIT compiler used under %.0f%% of a round's CPU, at most"
                        + " %d rounds)",
                messages,
                roundSize,
                QUIET * 100,
                MAX_ROUNDS);
    }
}
