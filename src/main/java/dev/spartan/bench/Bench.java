package dev.spartan.bench;

import dev.spartan.client.ChatClient;
import dev.spartan.client.ClientFeatures;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The throughput and latency runs of {@code spartan bench}: one setup, max mode then fixed rate. */
public final class Bench {
    public enum Setup {
        /** The bare relay, unary SendMsg in, a server stream out. */
        BASELINE,
        /** The bare relay, a SendStream in, a server stream out. */
        STREAM_BASELINE,
        EMBEDDED,
        /**
         * The embedded node, its users sending opaque bodies of the checked shape on a SendStream: the server's cost
         * without the clients' encryption.
         */
        EMBEDDED_OPAQUE,
        /** As {@link #EMBEDDED_OPAQUE}, each message a unary SendMsg, the next sent when it is answered. */
        EMBEDDED_OPAQUE_UNARY,
        /** The embedded node, its clients sending with SendMsg, one message at a time (the send path before SendStream). */
        EMBEDDED_UNARY,
        REDIS,
        /** As {@link #EMBEDDED_OPAQUE}, the node on one Redis: the Redis store's cost without the clients'. */
        REDIS_OPAQUE,
        TWO_NODES,
        /**
         * Three nodes on a Redis Cluster of 3 primaries and 3 replicas: senders on the first, readers on the
         * second; the third serves no one and, with events sent only where their readers are, should hear nothing.
         */
        REDIS_CLUSTER
    }

    /** What one run measures. */
    public record Options(
            int pairs,
            int groups,
            int window,
            int bodyBytes,
            Duration warmup,
            Duration duration,
            List<Double> rateShares,
            Clock clock) {}

    private final Options options;
    private final PrintStream out;
    private final RelayComparison comparison = new RelayComparison();
    private final Path work;

    public Bench(Options options, PrintStream out) throws IOException {
        this.options = options;
        this.out = out;
        this.work = Files.createTempDirectory("spartan-bench");
    }

    /** Runs one setup and returns its max-mode throughput in delivered messages per second. */
    public double run(Setup setup) throws Exception {
        try (Processes children = new Processes()) {
            List<String> senderServers;
            List<String> receiverServers;
            long serverPid;
            List<Long> serverPids = new ArrayList<>(); // every node, for the CPU figure
            List<Integer> metricsPorts = new ArrayList<>(); // every node's Prometheus endpoint
            long redisPid = -1;
            BenchRedis redis = null;
            if (setup == Setup.BASELINE || setup == Setup.STREAM_BASELINE) {
                int port = Processes.freePort();
                serverPid = children.spartan("relay ready", "bench", "--relay-server", String.valueOf(port))
                        .pid();
                serverPids.add(serverPid);
                senderServers = receiverServers = List.of("localhost:" + port);
            } else {
                Path config = writeConfig();
                String redisUri = null;
                if (setup == Setup.REDIS || setup == Setup.REDIS_OPAQUE || setup == Setup.TWO_NODES) {
                    redis = BenchRedis.single(children);
                } else if (setup == Setup.REDIS_CLUSTER) {
                    redis = BenchRedis.cluster(children, work);
                }
                if (redis != null) {
                    redisPid = redis.pids.get(0);
                    redisUri = redis.uri;
                }
                int p1 = Processes.freePort();
                serverPid = startNode(children, config, p1, redisUri, "n1", metricsPorts);
                serverPids.add(serverPid);
                senderServers = receiverServers = List.of("localhost:" + p1);
                if (setup == Setup.TWO_NODES || setup == Setup.REDIS_CLUSTER) {
                    int p2 = Processes.freePort();
                    serverPids.add(startNode(children, config, p2, redisUri, "n2", metricsPorts));
                    receiverServers = List.of("localhost:" + p2); // every message crosses nodes
                }
                if (setup == Setup.REDIS_CLUSTER) {
                    serverPids.add(startNode(children, config, Processes.freePort(), redisUri, "n3", metricsPorts));
                }
            }
            LoadDriver driver = new LoadDriver(options.bodyBytes());
            List<Endpoint> endpoints = new ArrayList<>();
            try {
                List<LoadDriver.Route> routes = connect(setup, driver, senderServers, receiverServers, endpoints);
                long self = ProcessHandle.current().pid();
                ServerFigures[] atStart = {null};
                long[] commandsAtStart = {-1};
                BenchRedis measured = redis;
                long measuredRedis = redisPid;
                // CPU is counted over the measured span, like the deliveries it is divided by: the warm-up's JIT
                // compilation and connection set-up are not the cost of a message.
                CpuSpan span = new CpuSpan(serverPids, self, redisPid);
                Runnable mark = () -> {
                    atStart[0] = ServerFigures.scrape(metricsPorts);
                    commandsAtStart[0] = measured == null ? -1 : measured.commands();
                    span.start();
                };
                LoadDriver.Result max =
                        driver.run(routes, 0, options.window(), options.warmup(), options.duration(), mark);
                CpuSpan.Cores maxCores = span.end();
                print(setup, "max", max, maxCores.servers());
                comparison.max(setup, max.deliveredPerSecond(), maxCores.servers());
                printServerFigures(metricsPorts, atStart[0]);
                printRedisFigures(metricsPorts, atStart[0], redis, commandsAtStart[0]);
                out.printf(
                        Locale.ROOT,
                        "  meanwhile (cores): clients (this process) %.2f%s%s%n",
                        maxCores.self(),
                        measuredRedis < 0 ? "" : String.format(Locale.ROOT, ", redis-server %.2f", maxCores.redis()),
                        serverPids.size() < 2 ? "" : ", server CPU is the sum of " + serverPids.size() + " nodes");
                for (double share : options.rateShares()) {
                    int rate = (int) Math.max(1, max.deliveredPerSecond() * share / totalFanout(routes));
                    LoadDriver.Result paced =
                            driver.run(routes, rate, Integer.MAX_VALUE / 4, options.warmup(), options.duration(), mark);
                    double pacedCores = span.end().servers();
                    comparison.paced(setup, share, paced, pacedCores);
                    print(
                            setup,
                            String.format(Locale.ROOT, "rate %d/s per route (%.0f%% of max)", rate, share * 100),
                            paced,
                            pacedCores);
                    printServerFigures(metricsPorts, atStart[0]);
                }
                out.printf(Locale.ROOT, "  server live heap after run: %.1f MiB%n", ProcStats.liveHeapMb(serverPid));
                return max.deliveredPerSecond();
            } finally {
                endpoints.forEach(Endpoint::close);
            }
        }
    }

    /** Prints each setup measured so far against the stream relay of the same run (see {@link RelayComparison}). */
    public void printRelayComparison() {
        comparison.print(out);
    }

    /** Redis commands and bus messages received (all nodes) per message the servers delivered in the span. */
    private void printRedisFigures(
            List<Integer> metricsPorts, ServerFigures atStart, BenchRedis redis, long commandsAtStart) {
        if (redis == null || atStart == null) {
            return;
        }
        ServerFigures now = ServerFigures.scrape(metricsPorts);
        double delivered = now.delta(atStart, "spartan_messages_delivered_total");
        double bus = now.delta(atStart, "spartan_bus_messages_received_total");
        long commands = redis.commands();
        if (delivered <= 0) {
            return;
        }
        out.printf(
                Locale.ROOT,
                "  per delivered message: Redis commands %s, bus messages received %.2f (%d nodes)%n",
                commands < 0 || commandsAtStart < 0
                        ? "n/a"
                        : String.format(Locale.ROOT, "%.2f", (commands - commandsAtStart) / delivered),
                bus / delivered,
                metricsPorts.size());
    }

    private static double totalFanout(List<LoadDriver.Route> routes) {
        return routes.stream().mapToInt(LoadDriver.Route::fanout).sum();
    }

    /** Prints what the servers counted over the same measured span, next to the bench's line above it. */
    private void printServerFigures(List<Integer> metricsPorts, ServerFigures atStart) {
        if (metricsPorts.isEmpty() || atStart == null) {
            return; // the relay has no metrics
        }
        out.println("  "
                + ServerFigures.scrape(metricsPorts)
                        .since(atStart, options.duration().toNanos() / 1e9));
    }

    private long startNode(
            Processes children, Path config, int port, String redisUri, String name, List<Integer> metricsPorts)
            throws IOException {
        Path data = work.resolve("data-" + name + "-" + port);
        int metricsPort = Processes.freePort();
        metricsPorts.add(metricsPort);
        List<String> extra = new ArrayList<>(List.of("--metrics-port", String.valueOf(metricsPort)));
        if (redisUri != null) {
            extra.addAll(List.of("--redis", redisUri));
        }
        return children.server(config, port, data, extra.toArray(String[]::new)).pid();
    }

    private List<LoadDriver.Route> connect(
            Setup setup,
            LoadDriver driver,
            List<String> senderServers,
            List<String> receiverServers,
            List<Endpoint> endpoints) {
        List<LoadDriver.Route> routes = new ArrayList<>();
        for (int i = 0; i < options.pairs(); i++) {
            String s = "s" + i;
            String r = "r" + i;
            Endpoint sender;
            if (setup == Setup.BASELINE || setup == Setup.STREAM_BASELINE) {
                boolean stream = setup == Setup.STREAM_BASELINE;
                endpoints.add(Endpoint.relay(r, receiverServers.get(0), driver.sink(), stream));
                sender = Endpoint.relay(s, senderServers.get(0), driver.sink(), stream);
            } else if (opaque(setup)) {
                RawUser receiver = opaqueUser(setup, r, receiverServers, driver, endpoints);
                RawUser opaque = opaqueUser(setup, s, senderServers, driver, endpoints);
                opaque.openChatWith(receiver);
                sender = endpoints.remove(endpoints.size() - 1);
            } else {
                Endpoint.Spartan receiver = Endpoint.spartanClient(
                        r, receiverServers, work.resolve("keys/" + r), options.clock(), driver.sink(), features(setup));
                Endpoint.Spartan spartan = Endpoint.spartanClient(
                        s, senderServers, work.resolve("keys/" + s), options.clock(), driver.sink(), features(setup));
                spartan.client().requestChat(r);
                receiver.client().answerChat(s, true);
                opening(spartan.client(), ChatIds.toUser(r));
                endpoints.add(receiver.endpoint());
                sender = spartan.endpoint();
            }
            endpoints.add(sender);
            routes.add(new LoadDriver.Route(sender, ChatIds.toUser(r), 1, r));
        }
        if (opaque(setup)) {
            for (int g = 0; g < options.groups(); g++) {
                for (int m = 3; m >= 0; m--) { // the sender last: its readers have keys by then
                    opaqueUser(setup, "g" + g + "m" + m, m == 0 ? senderServers : receiverServers, driver, endpoints);
                }
                routes.add(new LoadDriver.Route(
                        endpoints.get(endpoints.size() - 1), ChatIds.toGroup("g" + g), 3, "g" + g + "m1"));
            }
        } else if (setup != Setup.BASELINE && setup != Setup.STREAM_BASELINE) {
            for (int g = 0; g < options.groups(); g++) {
                List<ChatClient> members = new ArrayList<>();
                Endpoint first = null;
                for (int m = 0; m < 4; m++) {
                    String user = "g" + g + "m" + m;
                    Endpoint.Spartan e = Endpoint.spartanClient(
                            user,
                            m == 0 ? senderServers : receiverServers,
                            work.resolve("keys/" + user),
                            options.clock(),
                            driver.sink(),
                            features(setup));
                    endpoints.add(e.endpoint());
                    members.add(e.client());
                    if (m == 0) {
                        first = e.endpoint();
                    }
                }
                members.get(0).users(); // refresh membership now that every member has keys
                opening(members.get(0), ChatIds.toGroup("g" + g));
                routes.add(new LoadDriver.Route(first, ChatIds.toGroup("g" + g), 3, "g" + g + "m1"));
            }
        }
        return routes;
    }

    /** Logs in a user of the opaque setup on a connection of its own, and adds its endpoint to {@code endpoints}. */
    private static RawUser opaqueUser(
            Setup setup, String name, List<String> servers, LoadDriver driver, List<Endpoint> endpoints) {
        ManagedChannel channel =
                ManagedChannelBuilder.forTarget(servers.get(0)).usePlaintext().build();
        RawUser user = RawUser.login(channel, name);
        endpoints.add(
                Endpoint.opaque(user, channel, Bench::readers, driver.sink(), setup != Setup.EMBEDDED_OPAQUE_UNARY));
        return user;
    }

    private static boolean opaque(Setup setup) {
        return setup == Setup.EMBEDDED_OPAQUE || setup == Setup.EMBEDDED_OPAQUE_UNARY || setup == Setup.REDIS_OPAQUE;
    }

    /** Who reads a message of the bench to {@code chat}: the peer, or the three other members of a group of 4. */
    private static List<String> readers(ChatRef chat) {
        if (chat.hasUser()) {
            return List.of(chat.getUser());
        }
        return List.of(chat.getGroup() + "m1", chat.getGroup() + "m2", chat.getGroup() + "m3");
    }

    /**
     * Opens the conversation as people do: the sender says {@link Endpoint#OPENING}, each reader answers. Until a
     * session's first answer arrives, libsignal sends every message in its first-message (PreKey) form, which repeats
     * the post-quantum key encapsulation (about 1.7 KB): one-way traffic would measure that form only. The warm-up
     * carries the answers.
     */
    private static void opening(ChatClient sender, ChatRef to) {
        sender.send(to, Endpoint.OPENING);
    }

    private static ClientFeatures features(Setup setup) {
        return setup == Setup.EMBEDDED_UNARY ? ClientFeatures.ONE_AT_A_TIME : ClientFeatures.NONE;
    }

    private Path writeConfig() throws IOException {
        StringBuilder users = new StringBuilder();
        StringBuilder groups = new StringBuilder();
        for (int i = 0; i < options.pairs(); i++) {
            users.append(i == 0 ? "" : ",").append("s").append(i).append(",r").append(i);
        }
        for (int g = 0; g < options.groups(); g++) {
            groups.append(" g").append(g).append(": [");
            for (int m = 0; m < 4; m++) {
                users.append(",g").append(g).append("m").append(m);
                groups.append(m == 0 ? "" : ",")
                        .append("g")
                        .append(g)
                        .append("m")
                        .append(m);
            }
            groups.append("]\n");
        }
        return BenchConfig.write(work.resolve("bench-config.yaml"), users, groups);
    }

    private void print(Setup setup, String mode, LoadDriver.Result r, double serverCpuSeconds) {
        out.printf(
                Locale.ROOT,
                "%-10s %-32s delivered %8.0f msg/s  p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  " + "lost %d of %d%s%n",
                setup.name().toLowerCase(Locale.ROOT),
                mode,
                r.deliveredPerSecond(),
                r.latency().getValueAtPercentile(50) / 1000.0,
                r.latency().getValueAtPercentile(99) / 1000.0,
                r.latency().getValueAtPercentile(99.9) / 1000.0,
                r.lost(),
                r.expected(),
                Double.isNaN(serverCpuSeconds)
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "  server CPU %.2f cores, %.1f us per delivered message",
                                serverCpuSeconds,
                                serverCpuSeconds / Math.max(1e-9, r.deliveredPerSecond()) * 1e6));
    }
}
