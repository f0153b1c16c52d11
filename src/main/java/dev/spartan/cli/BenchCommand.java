package dev.spartan.cli;

import dev.spartan.bench.Bench;
import dev.spartan.bench.MemoryBench;
import dev.spartan.config.ConfigLoader;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measures throughput, latency and memory with real clients.",
            "Encryption is on and the rate limit is set out of the way. Starts its own server processes (and "
                    + "redis-server for the Redis setups). Prints figures; never passes or fails. Bad options get "
                    + "one line and exit code 2."
        })
public final class BenchCommand implements Callable<Integer> {
    private static final Map<String, Bench.Setup> SETUPS = new LinkedHashMap<>();

    static {
        SETUPS.put("embedded", Bench.Setup.EMBEDDED);
        SETUPS.put("embedded-opaque", Bench.Setup.EMBEDDED_OPAQUE);
        SETUPS.put("embedded-opaque-unary", Bench.Setup.EMBEDDED_OPAQUE_UNARY);
        SETUPS.put("embedded-unary", Bench.Setup.EMBEDDED_UNARY);
        SETUPS.put("redis", Bench.Setup.REDIS);
        SETUPS.put("redis-opaque", Bench.Setup.REDIS_OPAQUE);
        SETUPS.put("two-nodes", Bench.Setup.TWO_NODES);
        SETUPS.put("redis-cluster", Bench.Setup.REDIS_CLUSTER);
    }
    /** Room for the timestamp, run flag, route and sequence each message starts with. */
    private static final int MIN_SIZE = 64;

    @Option(
            names = "--setup",
            split = ",",
            paramLabel = "SETUP",
            description = "Setups to run, comma-separated: embedded, embedded-opaque (the same node, its users sending "
                    + "opaque bodies of the checked shape on a SendStream: the server without the clients' "
                    + "encryption), embedded-unary and embedded-opaque-unary (the same two, sending with "
                    + "SendMsg one message at a time, as before SendStream), redis, redis-opaque (the node on one Redis, "
                    + "its users sending opaque bodies as embedded-opaque), two-nodes, redis-cluster "
                    + "(three nodes on a Redis Cluster of 3 primaries and 3 replicas started for the run; default: "
                    + "embedded).")
    List<String> setups = List.of("embedded");

    @Option(
            names = "--transport-baseline",
            description = "Also run the bare gRPC relay (unary in, and a stream in) and print our share of it.")
    boolean baseline;

    @Option(names = "--pairs", description = "Sender/receiver pairs (default: ${DEFAULT-VALUE}).", defaultValue = "8")
    int pairs;

    @Option(
            names = "--groups",
            description = "Groups of 4, one sender each (default: ${DEFAULT-VALUE}).",
            defaultValue = "2")
    int groups;

    @Option(
            names = "--window",
            description = "Messages in flight per sender in max mode (default: ${DEFAULT-VALUE}).",
            defaultValue = "32")
    int window;

    @Option(names = "--size", description = "Message size in bytes (default: ${DEFAULT-VALUE}).", defaultValue = "150")
    int size;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--warmup",
            description = "Warm-up seconds per run, not counted; on 2 cores the JIT needs about 30 "
                    + "(default: ${DEFAULT-VALUE}).",
            defaultValue = "30")
    int warmup;

    @Option(
            names = "--duration",
            description = "Measured seconds per run (default: ${DEFAULT-VALUE}).",
            defaultValue = "15")
    int duration;

    @Option(
            names = "--rate-share",
            split = ",",
            paramLabel = "SHARE",
            description = "Fixed-rate runs, one per share of max throughput, comma-separated, each in (0, 1] "
                    + "(default: ${DEFAULT-VALUE}).",
            defaultValue = "0.5")
    List<Double> rateShares;

    @Option(
            names = "--idle",
            split = ",",
            paramLabel = "N",
            description = "Instead: open N idle streaming clients (several N, comma-separated, are opened in turn: "
                    + "2500,5000,10000) and print server heap per client at each. Each connection is an open file"
                    + " here and in the server: refused above the open-file limit (ulimit -Hn) less 1000.")
    List<Integer> idle;

    @Option(
            names = "--idle-connections",
            description = "TCP connections the idle clients share; 0 gives each client its own "
                    + "(default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    int idleConnections;

    @Option(
            names = "--users",
            description = "Instead: N logged-in users, each on its own TCP connection, each sending --rate messages "
                    + "a second to random chats; prints latency, server CPU and heap.")
    Integer users;

    @Option(
            names = "--rate",
            description = "Messages a second each of --users sends (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    double rate;

    @Option(
            names = "--ratchet",
            description = "Instead: encrypt and decrypt N messages (--size bytes) between two users' Double Ratchets in"
                    + " this process, session files synced as a client does; print the cost per message.")
    Integer ratchet;

    @Option(
            names = "--client-cost",
            arity = "0..1",
            fallbackValue = "1000",
            paramLabel = "N",
            description = "Instead: two real clients in this process chat N 1:1 messages (default 1000; --size bytes)"
                    + " through a node; print their CPU per delivered message beside libsignal's own encrypt +"
                    + " decrypt in the same run.")
    Integer clientCost;

    @Option(
            names = "--group-size",
            paramLabel = "N",
            description = "Instead: a sender in this process sends 100 messages (--size bytes; with --client-cost, its"
                    + " N) to a group of N members and as many in a 1:1 chat through a node; print its CPU and the"
                    + " server's bytes stored per group message as multiples of a 1:1 message's.")
    Integer groupSize;

    @Option(
            names = "--slow-reader",
            description = "Instead: send N messages to a reader that never reads; print heap. The bystanders'"
                    + " warm-up and quiet window are --warmup and --duration seconds when given (else 10 and 5).")
    Integer slowReader;

    @Option(
            names = "--files",
            description = "Instead: upload and download one file of --file-size through a server, and the same bytes"
                    + " over a bare gRPC stream; print MB/s.")
    boolean files;

    @Option(
            names = "--file-size",
            paramLabel = "SIZE",
            description = "The file's size for --files: bytes, or with k, m or g for KiB, MiB, GiB, e.g. 1g"
                    + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "64m")
    String fileSize;

    @Option(names = "--file-mb", hidden = true, description = "The file's size for --files in MiB (--file-size).")
    Integer fileMb;

    @Option(
            names = "--cut-at",
            paramLabel = "SHARE",
            description = "With --files: cut the upload's connection at this share of the file (e.g. 0.4), as a killed"
                    + " client's drops, and resume it on a new one; print the bytes sent again and the server's heap"
                    + " (default: no cut).",
            defaultValue = "0")
    double cutAt;

    @Option(names = "--relay-server", hidden = true, description = "Internal: run the baseline relay on this port.")
    Integer relayPort;

    @Override
    public Integer call() throws Exception {
        if (relayPort != null) {
            dev.spartan.bench.RelayLauncher.run(relayPort);
            return 0;
        }
        if (idle != null) {
            if (idle.stream().anyMatch(n -> n < 1) || idleConnections < 0) {
                System.err.println("spartan bench: --idle takes counts of 1 or more, --idle-connections 0 or more");
                return 2;
            }
            int connections = idleConnections > 0 ? idleConnections : Collections.max(idle);
            OptionalLong hard = hardOpenFilesLimit();
            if (hard.isPresent() && connections > hard.getAsLong() - OPEN_FILES_RESERVE) {
                System.err.printf(
                        Locale.ROOT,
                        "spartan bench: --idle %d needs %d connections, an open file each in this process and in the"
                                + " server's, and the open-file limit here is %d (ulimit -Hn): at most %d here, or"
                                + " share connections with --idle-connections%n",
                        Collections.max(idle),
                        connections,
                        hard.getAsLong(),
                        hard.getAsLong() - OPEN_FILES_RESERVE);
                return 2;
            }
            System.out.println("machine: " + openFilesLimit());
            new MemoryBench(System.out).idle(idle, idleConnections);
            return 0;
        }
        if (users != null) {
            if (users < 3 || !(rate > 0) || warmup < 0 || duration < 1) {
                System.err.println("spartan bench: --users must be at least 3 and --rate above 0 (messages a second"
                        + " per user), --warmup 0 or more and --duration at least 1");
                return 2;
            }
            System.out.println("machine: " + machine() + ", " + openFilesLimit());
            new dev.spartan.bench.UsersBench(System.out)
                    .run(users, rate, size, Duration.ofSeconds(warmup), Duration.ofSeconds(duration));
            return 0;
        }
        if (ratchet != null) {
            if (ratchet < 1 || size < 1) {
                System.err.println("spartan bench: --ratchet takes a count of 1 or more, --size 1 or more");
                return 2;
            }
            new dev.spartan.bench.RatchetBench(System.out, Clock.systemUTC()).run(ratchet, size);
            return 0;
        }
        if (clientCost != null || groupSize != null) {
            if ((clientCost != null && clientCost < 1) || size < 1) {
                System.err.println("spartan bench: --client-cost takes a count of 1 or more, --size 1 or more");
                return 2;
            }
            if (groupSize != null && (groupSize < 2 || groupSize > MAX_GROUP)) {
                System.err.println(
                        "spartan bench: --group-size takes 2 to " + MAX_GROUP + " members, the sender" + " included");
                return 2;
            }
            System.out.println("machine: " + machine());
            if (clientCost != null) {
                new dev.spartan.bench.ClientCostBench(System.out, Clock.systemUTC()).run(clientCost, size);
            }
            if (groupSize != null) {
                new dev.spartan.bench.GroupCostBench(System.out, Clock.systemUTC())
                        .run(groupSize, clientCost != null ? clientCost : 100, size);
            }
            return 0;
        }
        if (files) {
            long bytes = fileMb != null ? (long) fileMb << 20 : parseSize(fileSize);
            if (bytes < 1) {
                System.err.println("spartan bench: --file-size takes a size of 1 byte or more, e.g. 65536, 64m or 1g");
                return 2;
            }
            if (cutAt < 0 || cutAt >= 1) {
                System.err.println("spartan bench: --cut-at takes a share above 0 and below 1, e.g. 0.4");
                return 2;
            }
            new dev.spartan.bench.FilesBench(System.out).run(bytes, cutAt);
            return 0;
        }
        if (slowReader != null) {
            ParseResult given = spec.commandLine().getParseResult();
            new MemoryBench(System.out)
                    .slowReader(
                            slowReader,
                            given.hasMatchedOption("--warmup") ? warmup : 10,
                            given.hasMatchedOption("--duration") ? duration : 5);
            return 0;
        }
        System.out.println("machine: " + machine());
        String invalid = invalidLoad();
        if (invalid != null) {
            System.err.println("spartan bench: " + invalid);
            return 2;
        }
        List<Bench.Setup> chosen = new ArrayList<>();
        for (String s : setups) {
            Bench.Setup setup = SETUPS.get(s.toLowerCase(Locale.ROOT));
            if (setup == null) {
                System.err.println(
                        "spartan bench: unknown setup '" + s + "'; choose from " + String.join(", ", SETUPS.keySet()));
                return 2;
            }
            chosen.add(setup);
        }
        System.out.printf(
                Locale.ROOT,
                "workload: %d pairs + %d groups of 4, %d-byte messages, window %d, "
                        + "%ds warm-up + %ds measured per run%n",
                pairs,
                groups,
                size,
                window,
                warmup,
                duration);
        Bench bench = new Bench(
                new Bench.Options(
                        pairs,
                        groups,
                        window,
                        size,
                        Duration.ofSeconds(warmup),
                        Duration.ofSeconds(duration),
                        List.copyOf(rateShares),
                        Clock.systemUTC()),
                System.out);
        Map<Bench.Setup, Double> max = new LinkedHashMap<>();
        if (baseline) {
            max.put(Bench.Setup.BASELINE, bench.run(Bench.Setup.BASELINE));
            max.put(Bench.Setup.STREAM_BASELINE, bench.run(Bench.Setup.STREAM_BASELINE));
        }
        for (Bench.Setup setup : chosen) {
            max.put(setup, bench.run(setup));
        }
        Map<Bench.Setup, Bench.Setup> oneAtATime = Map.of(
                Bench.Setup.EMBEDDED, Bench.Setup.EMBEDDED_UNARY,
                Bench.Setup.EMBEDDED_OPAQUE, Bench.Setup.EMBEDDED_OPAQUE_UNARY);
        oneAtATime.forEach((streamSetup, unarySetup) -> {
            Double stream = max.get(streamSetup);
            Double unary = max.get(unarySetup);
            if (stream != null && unary != null) {
                System.out.printf(
                        Locale.ROOT,
                        "%s delivers %.1f times what %s (SendMsg, one at a time) delivers (same run)%n",
                        setupName(streamSetup),
                        stream / unary,
                        setupName(unarySetup));
            }
        });
        Double base = max.get(Bench.Setup.BASELINE);
        Double streamBase = max.get(Bench.Setup.STREAM_BASELINE);
        if (base != null) {
            max.forEach((setup, v) -> {
                if (setup != Bench.Setup.BASELINE && setup != Bench.Setup.STREAM_BASELINE) {
                    System.out.printf(
                            Locale.ROOT,
                            "%s throughput is %.0f%% of the transport baseline, %.0f%% of the stream relay (same"
                                    + " run)%n",
                            setup.name().toLowerCase(Locale.ROOT),
                            100 * v / base,
                            100 * v / streamBase);
                }
            });
        }
        bench.printRelayComparison();
        return 0;
    }

    /** The open-file limit (each connection takes one in the server and one here), as /proc says it. */
    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version");
    }

    /** The largest group a config may allow (limits.members_per_group is at most 500). */
    private static final int MAX_GROUP = 500;

    /** Open files a JVM needs besides its connections: jars, the epoll set, pipes, logs (about 300 here). */
    private static final int OPEN_FILES_RESERVE = 1000;

    /** The hard open-file limit, which each JVM raises its own soft limit to (HotSpot's MaxFDLimit). */
    private static OptionalLong hardOpenFilesLimit() {
        List<String> fields = openFilesFields();
        try {
            return fields.size() < 2 || fields.get(1).equals("unlimited")
                    ? OptionalLong.empty()
                    : OptionalLong.of(Long.parseLong(fields.get(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // a line of another shape: no check
        }
    }

    /** The soft and hard limit of the "Max open files" line of /proc/self/limits; empty where there is none. */
    private static List<String> openFilesFields() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return List.of(
                            line.substring("Max open files".length()).trim().split("\\s+", -1));
                }
            }
        } catch (java.io.IOException e) {
            // not Linux
        }
        return List.of();
    }

    /** "1g", "64m", "512k" or a count of bytes; -1 if it is none of them. */
    static long parseSize(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})([kmg]?)")
                .matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            return -1;
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        return Long.parseLong(m.group(1)) << shift;
    }

    private static String openFilesLimit() {
        List<String> fields = openFilesFields();
        return fields.isEmpty()
                ? "open files per process: unknown"
                : "open files per process (ulimit -n): " + fields.get(0);
    }

    /** What is wrong with the load options, in words, or null. */
    private String invalidLoad() {
        if (pairs < 0 || groups < 0 || pairs + groups == 0) {
            return "--pairs and --groups must not be negative, and at least one must be above 0";
        }
        if (window < 1) {
            return "--window must be at least 1";
        }
        if (size < MIN_SIZE || size > ConfigLoader.DEFAULT_MAX_MESSAGE_BYTES / 2) {
            return "--size must be between " + MIN_SIZE + " and " + ConfigLoader.DEFAULT_MAX_MESSAGE_BYTES / 2
                    + " bytes";
        }
        if (warmup < 0 || duration < 1) {
            return "--warmup must be 0 or more and --duration at least 1 (seconds)";
        }
        for (double share : rateShares) {
            if (!(share > 0 && share <= 1)) {
                return "each --rate-share must be above 0 and at most 1, e.g. 0.5 for half of max";
            }
        }
        return null;
    }

    private static String setupName(Bench.Setup setup) {
        return setup.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
