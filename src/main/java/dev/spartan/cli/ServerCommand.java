package dev.spartan.cli;

import dev.spartan.backend.Backends;
import dev.spartan.config.ConfigException;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.server.SpartanServer;
import java.nio.file.Path;
import java.time.Clock;
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
            String[] parts = rateLimit.split("/", -1);
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
        Clock clock = Clock.systemUTC(); // the node's one wall clock
        SpartanServer server = new SpartanServer(cfg, Backends.forConfig(cfg, data, clock), clock).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        System.out.println("Spartan server started on port " + server.port() + ".");
        System.out.flush();
        server.awaitTermination();
        return 0;
    }
}
