package dev.spartan.cli;

import dev.spartan.backend.Backend;
import dev.spartan.backend.Backends;
import dev.spartan.config.ConfigException;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.OperationsConfig;
import dev.spartan.config.RedisAccess;
import dev.spartan.config.SecurityConfig;
import dev.spartan.config.SpartanConfig;
import dev.spartan.ops.Logs;
import dev.spartan.ops.Operations;
import dev.spartan.server.ClientPort;
import dev.spartan.server.ServerTransport;
import dev.spartan.server.SpartanServer;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.StoreOpenException;
import dev.spartan.tls.ServerCertificate;
import dev.spartan.tls.TlsException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
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
            names = "--tls-cert",
            paramLabel = "PEM",
            description = "Certificate chain of the client port (default: a self-signed one made in --data on first"
                    + " start). Needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key of --tls-cert (unencrypted PEM).")
    Path tlsKey;

    @Option(
            names = "--plaintext",
            description = "No TLS on the client port: tokens and metadata travel in clear. Only behind a"
                    + " TLS-terminating proxy (see --proxy-cert) or on a network you trust entirely.")
    boolean plaintext;

    @Option(
            names = "--proxy-cert",
            paramLabel = "PEM",
            description = "With --plaintext: the certificate the TLS-terminating proxy in front of this node shows to"
                    + " clients; logins must be bound to it.")
    Path proxyCert;

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

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            description =
                    "Address to listen on, e.g. 127.0.0.1 (default: the config's bind key, else every interface).")
    String bind;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://ADDRESS:PORT/metrics (default: the config's "
                    + "metrics_port key, else off).")
    Integer metricsPort;

    @Option(
            names = "--drain-seconds",
            paramLabel = "SECONDS",
            description = "On SIGTERM, report NOT_SERVING and keep serving this long before closing the port "
                    + "(default: the config's drain_seconds key, else 5).")
    Double drainSeconds;

    @Option(
            names = "--log-format",
            paramLabel = "FORMAT",
            description = "text or json (one JSON object per line, for log shippers). Default: ${DEFAULT-VALUE}.",
            defaultValue = "text",
            converter = LogFormatConverter.class)
    Logs.Format logFormat;

    @Option(
            names = "--log-level",
            paramLabel = "LEVEL",
            description = "ERROR, WARN, INFO, DEBUG or TRACE (default: $SPARTAN_LOG_LEVEL, else INFO).",
            converter = LogLevelConverter.class)
    String logLevel;

    @Option(
            names = "--log-file",
            paramLabel = "PATH",
            description = "Write the log to PATH instead of stderr, rolled over daily and at --log-max-size; old files"
                    + " are gzipped (PATH.DATE.N.gz) and kept for --log-max-days.")
    Path logFile;

    @Option(
            names = "--log-max-size",
            paramLabel = "SIZE",
            description = "With --log-file: roll over at this size, e.g. 100MB or 512KB (default: ${DEFAULT-VALUE}).",
            defaultValue = "100MB")
    String logMaxSize;

    @Option(
            names = "--log-max-days",
            paramLabel = "DAYS",
            description = "With --log-file: keep rolled files this many days (default: ${DEFAULT-VALUE}).",
            defaultValue = "14")
    int logMaxDays;
    /** The client port's TLS (or its absence), checked before anything starts. */
    private ServerTransport transport(Clock clock) {
        if (plaintext) {
            if (tlsCert != null || tlsKey != null) {
                throw new TlsException("--plaintext cannot be combined with --tls-cert/--tls-key");
            }
            System.err.println("spartan server: WARNING: --plaintext: session tokens and metadata travel in clear"
                    + (proxyCert == null ? "" : " between the proxy and this node")
                    + "; behind a proxy every client looks local, so set enrollment: invite");
            return ServerTransport.plaintext(
                    proxyCert == null ? null : ServerCertificate.firstCertificate(proxyCert), data);
        }
        if (proxyCert != null) {
            throw new TlsException("--proxy-cert is for --plaintext behind a TLS-terminating proxy");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new TlsException("--tls-cert and --tls-key go together");
        }
        return ServerTransport.tls(
                tlsCert != null ? ServerCertificate.load(tlsCert, tlsKey) : ServerCertificate.loadOrCreate(data, clock),
                data);
    }

    @Override
    public Integer call() throws Exception {
        Logs.LogFile file;
        String level;
        try {
            file = logFile == null ? null : new Logs.LogFile(logFile, logMaxSize, logMaxDays);
            level = Logs.chooseLevel(logLevel);
            Logs.configure(logFormat, level, file);
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage());
        }
        SpartanConfig cfg;
        try {
            cfg = overrides(ConfigLoader.load(config));
        } catch (ConfigException e) {
            return fail(e.getMessage());
        }
        if (level == null && cfg.operations().logLevel() != null) { // the file's log_level comes last
            Logs.configure(logFormat, cfg.operations().logLevel(), file);
        }
        Clock clock = Clock.systemUTC(); // the node's one wall clock
        ServerTransport transport;
        try {
            EmbeddedStore.requireWritable(data); // first: the certificate is written there too
        } catch (StoreOpenException e) {
            return fail(e.getMessage());
        }
        try {
            transport = transport(clock);
        } catch (TlsException e) {
            return fail(e.getMessage());
        }
        if (cfg.security().enrollment() == SecurityConfig.Enrollment.OPEN) {
            System.err.println("spartan server: WARNING: enrollment: open: anyone who reaches the port can claim a"
                    + " user who has never logged in");
        }
        SpartanServer server;
        try {
            Backend backend = Backends.forConfig(cfg, data, clock, newStore);
            // A store that fails for good (a file that cannot be written, a Redis that lost this store) cannot be
            // repaired from inside: stop, so that a supervisor restarts the node on what was committed.
            backend.store().onFatal(reason -> {
                System.err.println("spartan server: " + reason + "; exiting with status " + STORE_FAILED
                        + " so that a supervisor can restart the node");
                new Thread(() -> System.exit(STORE_FAILED), "store-failed").start();
            });
            server = new SpartanServer(
                            cfg,
                            backend,
                            ClientPort.harden(
                                    Operations.serverBuilder(cfg.operations(), cfg.port(), transport.credentials()),
                                    cfg.security()),
                            transport,
                            clock)
                    .start();
        } catch (RuntimeException | IOException e) {
            String line = StartupFailure.describe(e).orElseThrow(() -> e);
            fail(line);
            return StartupFailure.exitCode(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        new Reloads(config, cfg, logFormat, file, server, this::overrides).onSighup();
        System.out.println("Spartan server started on port " + server.port() + ".");
        if (transport.certificate() != null) {
            System.out.println("TLS certificate SHA-256 fingerprint: "
                    + transport.certificate().fingerprint());
        }
        System.out.flush();
        server.awaitTermination();
        return 0;
    }

    private static int fail(String line) {
        System.err.println("spartan server: " + line);
        return 2;
    }

    /** The config with the command line's overrides; a bad option is a ConfigException that names it. */
    private SpartanConfig overrides(SpartanConfig cfg) {
        if (port != null) {
            if (port < 1 || port > 65535) {
                throw new ConfigException("--port " + port + " is out of range 1..65535");
            }
            cfg = cfg.withPort(port);
        }
        if (redis != null) {
            String problem = ConfigLoader.redisUriProblem(redis);
            if (problem != null) {
                throw new ConfigException("--redis: " + problem);
            }
            if (RedisAccess.hasPassword(redis)) {
                throw new ConfigException("--redis: " + RedisAccess.redact(redis) + " holds a password, which ps shows"
                        + " to every user of this machine: put it in " + RedisAccess.PASSWORD_VARIABLE
                        + " or in the file redis_password_file names");
            }
            cfg = cfg.withRedis(redis);
        }
        OperationsConfig ops = cfg.operations();
        String secret = System.getenv(RedisAccess.PASSWORD_VARIABLE); // over the config's, as the README says
        if (secret != null && !secret.isEmpty()) {
            ops = ops.withRedis(ops.redis().withPassword(secret));
        }
        if (bind != null) {
            ops = ops.withBind(bind);
        }
        if (metricsPort != null) {
            if (metricsPort < 1 || metricsPort > 65535) {
                throw new ConfigException("--metrics-port " + metricsPort + " is out of range 1..65535");
            }
            ops = ops.withMetricsPort(metricsPort);
        }
        if (drainSeconds != null) {
            if (drainSeconds < 0 || drainSeconds > 3600 || drainSeconds.isNaN()) {
                throw new ConfigException("--drain-seconds " + drainSeconds + " is out of range 0..3600");
            }
            ops = ops.withDrain(Duration.ofMillis(Math.round(drainSeconds * 1000)));
        }
        cfg = cfg.withOperations(ops);
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
                throw new ConfigException("--rate-limit expects N/SECONDS with N >= 1, e.g. 15/1");
            }
            cfg = cfg.withRateLimit(count, Duration.ofMillis(windowMillis));
        }
        return cfg;
    }

    static final class LogFormatConverter implements CommandLine.ITypeConverter<Logs.Format> {
        @Override
        public Logs.Format convert(String value) {
            try {
                return Logs.Format.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected text or json, got '" + value + "'");
            }
        }
    }

    static final class LogLevelConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String level = value.toUpperCase(Locale.ROOT);
            if (!Logs.LEVELS.contains(level)) {
                throw new CommandLine.TypeConversionException(
                        "expected one of " + String.join(", ", Logs.LEVELS) + ", got '" + value + "'");
            }
            return level;
        }
    }
}
