package dev.spartan.cli;

import dev.spartan.bench.Bench;
import dev.spartan.bench.MemoryBench;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures throughput, latency and memory with real clients.",
                "Encryption is on and the rate limit is set out of the way. Starts its own server processes (and",
                "redis-server for the Redis setups). Prints figures; never passes or fails."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--setup", split = ",", description = "Setups to run: embedded, redis, two-nodes (default: embedded).")
    List<String> setups = List.of("embedded");

    @Option(names = "--transport-baseline", description = "Also run the bare gRPC relay and print our share of it.")
    boolean baseline;

    @Option(names = "--pairs", description = "Sender/receiver pairs (default: ${DEFAULT-VALUE}).", defaultValue = "8")
    int pairs;

    @Option(names = "--groups", description = "Groups of 4, one sender each (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int groups;

    @Option(names = "--window", description = "Messages in flight per sender in max mode (default: ${DEFAULT-VALUE}).",
            defaultValue = "32")
    int window;

    @Option(names = "--size", description = "Message size in bytes (default: ${DEFAULT-VALUE}).", defaultValue = "150")
    int size;

    @Option(names = "--warmup", description = "Warm-up seconds per run (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    int warmup;

    @Option(names = "--duration", description = "Measured seconds per run (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    int duration;

    @Option(names = "--rate-share", description = "Fixed-rate run at this share of max throughput (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.5")
    double rateShare;

    @Option(names = "--idle", description = "Instead: open N idle streaming clients and print server heap per client.")
    Integer idle;

    @Option(names = "--idle-connections", description = "TCP connections the idle clients share (default: ${DEFAULT-VALUE}).",
            defaultValue = "100")
    int idleConnections;

    @Option(names = "--slow-reader", description = "Instead: send N messages to a reader that never reads; print heap.")
    Integer slowReader;

    @Option(names = "--relay-server", hidden = true, description = "Internal: run the baseline relay on this port.")
    Integer relayPort;

    @Override
    public Integer call() throws Exception {
        if (relayPort != null) {
            dev.spartan.bench.RelayLauncher.run(relayPort);
            return 0;
        }
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        if (idle != null) {
            new MemoryBench(System.out).idle(idle, idleConnections);
            return 0;
        }
        if (slowReader != null) {
            new MemoryBench(System.out).slowReader(slowReader);
            return 0;
        }
        System.out.printf(Locale.ROOT, "workload: %d pairs + %d groups of 4, %d-byte messages, window %d, "
                + "%ds warm-up + %ds measured per run%n", pairs, groups, size, window, warmup, duration);
        Bench bench = new Bench(new Bench.Options(pairs, groups, window, size, Duration.ofSeconds(warmup),
                Duration.ofSeconds(duration), rateShare), System.out);
        Map<Bench.Setup, Double> max = new LinkedHashMap<>();
        if (baseline) {
            max.put(Bench.Setup.BASELINE, bench.run(Bench.Setup.BASELINE));
        }
        for (String s : setups) {
            Bench.Setup setup = Bench.Setup.valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            max.put(setup, bench.run(setup));
        }
        Double base = max.get(Bench.Setup.BASELINE);
        if (base != null) {
            max.forEach((setup, v) -> {
                if (setup != Bench.Setup.BASELINE) {
                    System.out.printf(Locale.ROOT, "%s throughput is %.0f%% of the transport baseline (same run)%n",
                            setup.name().toLowerCase(Locale.ROOT), 100 * v / base);
                }
            });
        }
        return 0;
    }
}
