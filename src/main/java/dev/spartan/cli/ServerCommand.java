package dev.spartan.cli;

import dev.spartan.backend.Backend;
import dev.spartan.backend.Backends;
import dev.spartan.config.ConfigException;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.server.SpartanServer;
import dev.spartan.store.StoreOpenException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a Spartan server node.",
            "Without --redis it is a single node that keeps its state in --data.",
            "With --redis, any number of nodes share users, messages and rate limits through Redis."
        })
public final class ServerCommand implements Callable<Integer> {
    /** The exit status of a node whose store failed while it ran. */
    static final int STORE_FAILED = 3;

    @Option(names = "--config", description = "Config file (default: ${DEFAULT-VALUE}).", defaultValue = "config.yaml")
    Path config;

    @Option(names = "--port", description = "Port to listen on (default: the config's port).")
    Integer port;

    @Option(
            names = "--redis",
            description = "Redis URI, e.g. redis://127.0.0.1:6379 (default: the config's redis key, or none).")
    String redis;

    @Option(
            names = "--data",
            description = "Directory of the embedded store (default: ${DEFAULT-VALUE}).",
            defaultValue = "spartan-data")
    Path data;

    @Option(
            names = "--new-store",
            description = "Redis mode: begin an empty store when Redis holds none, although this node served one"
                    + " before (Redis lost its data and will not be restored).")
    boolean newStore;

    @Option(
            names = "--rate-limit",
            paramLabel = "N/SECONDS",
            description = "Override the rate limit, e.g. 15/1 for 15 messages per second.")
    String rateLimit;

    @Override
    public Integer call() throws Exception {
        SpartanConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println("spartan server: " + e.getMessage());
            return 2;
        }
        if (port != null) {
            cfg = cfg.withPort(port);
        }
        if (redis != null) {
            cfg = cfg.withRedis(redis);
        }
        if (rateLimit != null) {
            String[] parts = rateLimit.split("/");
            int count;
            long windowMillis;
            try {
                count = Integer.parseInt(parts[0]);
                windowMillis = Math.round(Double.parseDouble(parts[1]) * 1000);
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                count = 0;
                windowMillis = 0;
            }
            if (parts.length != 2 || count < 1 || windowMillis < 1) {
                System.err.println("spartan server: --rate-limit expects N/SECONDS with N >= 1, e.g. 15/1");
                return 2;
            }
            cfg = cfg.withRateLimit(count, Duration.ofMillis(windowMillis));
        }
        Backend backend;
        try {
            backend = Backends.forConfig(cfg, data, newStore);
        } catch (StoreOpenException e) {
            System.err.println("spartan server: " + e.getMessage());
            return 2;
        }
        // A store that fails for good (a file that cannot be written, a Redis that lost this store) cannot be
        // repaired from inside: stop, so that a supervisor restarts the node on what was committed.
        backend.store().onFatal(reason -> {
            System.err.println("spartan server: " + reason + "; exiting with status " + STORE_FAILED
                    + " so that a supervisor can restart the node");
            new Thread(() -> System.exit(STORE_FAILED), "store-failed").start();
        });
        SpartanServer server = new SpartanServer(cfg, backend).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        System.out.println("Spartan server started on port " + server.port() + ".");
        System.out.flush();
        server.awaitTermination();
        return 0;
    }
}
