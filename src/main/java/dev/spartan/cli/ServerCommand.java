package dev.spartan.cli;

import dev.spartan.backend.Backends;
import dev.spartan.config.ConfigException;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SecurityConfig;
import dev.spartan.config.SpartanConfig;
import dev.spartan.server.ServerTransport;
import dev.spartan.server.SpartanServer;
import dev.spartan.tls.ServerCertificate;
import dev.spartan.tls.TlsException;
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
            names = "--rate-limit",
            paramLabel = "N/SECONDS",
            description = "Override the rate limit, e.g. 15/1 for 15 messages per second.")
    String rateLimit;

    /** The client port's TLS (or its absence), checked before anything starts. */
    private ServerTransport transport() {
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
                tlsCert != null ? ServerCertificate.load(tlsCert, tlsKey) : ServerCertificate.loadOrCreate(data), data);
    }

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
        ServerTransport transport;
        try {
            transport = transport();
        } catch (TlsException e) {
            System.err.println("spartan server: " + e.getMessage());
            return 2;
        }
        if (cfg.security().enrollment() == SecurityConfig.Enrollment.OPEN) {
            System.err.println("spartan server: WARNING: enrollment: open: anyone who reaches the port can claim a"
                    + " user who has never logged in");
        }
        SpartanServer server = new SpartanServer(cfg, Backends.forConfig(cfg, data), transport).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        System.out.println("Spartan server started on port " + server.port() + ".");
        if (transport.certificate() != null) {
            System.out.println("TLS certificate SHA-256 fingerprint: "
                    + transport.certificate().fingerprint());
        }
        System.out.flush();
        server.awaitTermination();
        return 0;
    }
}
