package dev.spartan.testing;

import dev.spartan.backend.Backend;
import dev.spartan.backend.Backends;
import dev.spartan.backend.EmbeddedBackend;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.ops.Operations;
import dev.spartan.server.ClientPort;
import dev.spartan.server.ServerTransport;
import dev.spartan.server.SpartanServer;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.tls.ServerCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A node wired as {@code spartan server} wires it (a config.yaml, its store in a data directory or the config's Redis,
 * TLS on a free port held to the client port's limits, the admin port) but running in the test's JVM, which costs a fraction of a
 * server process, and lets the test move the clock its rate limits count windows on: real client processes connect
 * to it, and a 30 s window passes when the test says so, not after 30 s.
 */
public final class TlsNode implements AutoCloseable {
    private final AtomicLong passed = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong wallOffset = new AtomicLong();
    /** The system clock, moved on by {@link #passWallTime}. */
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return Instant.now().plusMillis(wallOffset.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    };

    private final Path data;
    private final SpartanConfig config;
    private final String fingerprint;
    private final SpartanServer server;
    private final Backend backend;

    /** A node with the shipped config.yaml that lets {@code count} messages per user through in each {@code window}. */
    public TlsNode(Path dir, int count, Duration window) throws Exception {
        this(dir, ConfigLoader.load(Path.of("config.yaml")).withRateLimit(count, window), Ports.free());
    }

    /** A node with this config.yaml text (its port is replaced by a free one). */
    public TlsNode(Path dir, String configBody) throws Exception {
        this(dir, configBody, Ports.free());
    }

    /** A node with this config.yaml text on {@code port}. */
    public TlsNode(Path dir, String configBody, int port) throws Exception {
        this(dir, ConfigLoader.load(write(dir, configBody)), port);
    }

    /**
     * A node as {@code spartan server --plaintext --proxy-cert PEM} starts it: without TLS, behind a TLS-terminating
     * proxy whose certificate logins are bound to.
     */
    public static TlsNode behindProxy(Path dir, String configBody, int port, Path proxyCert) throws Exception {
        return new TlsNode(
                dir,
                ConfigLoader.load(write(dir, configBody)),
                port,
                data -> ServerTransport.plaintext(ServerCertificate.firstCertificate(proxyCert), data));
    }

    /** A node as {@code spartan server --plaintext} starts it: no TLS at all. */
    public static TlsNode plaintext(Path dir, String configBody) throws Exception {
        return new TlsNode(
                dir,
                ConfigLoader.load(write(dir, configBody)),
                Ports.free(),
                data -> ServerTransport.plaintext(null, data));
    }

    private TlsNode(Path dir, SpartanConfig loaded, int port) throws Exception {
        this(
                dir,
                loaded,
                port,
                data -> ServerTransport.tls(ServerCertificate.loadOrCreate(data, Clock.systemUTC()), data));
    }

    private TlsNode(Path dir, SpartanConfig loaded, int port, Function<Path, ServerTransport> transportAt)
            throws Exception {
        config = loaded.withPort(port);
        data = dir.resolve("data");
        ServerTransport transport = transportAt.apply(data);
        fingerprint = transport.certificate() == null
                ? null
                : transport.certificate().fingerprint().toString();
        backend = backend(config, data);
        server = new SpartanServer(
                        config.withOperations(config.operations().withDrain(Duration.ZERO)),
                        backend,
                        ClientPort.harden(
                                Operations.serverBuilder(config.operations(), config.port(), transport.credentials()),
                                config.security()),
                        transport,
                        clock)
                .start();
    }

    /** The embedded store, its rate limits on the clock {@link #passTime} moves; or, if the config names one, Redis. */
    private Backend backend(SpartanConfig config, Path data) {
        if (config.redisUri() != null) {
            return Backends.forConfig(config, data, Clock.systemUTC(), false);
        }
        return new EmbeddedBackend(EmbeddedStore.open(data), () -> System.nanoTime() + passed.get());
    }

    private static Path write(Path dir, String configBody) {
        try {
            Files.createDirectories(dir);
            return Files.writeString(dir.resolve("config.yaml"), configBody);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return config.port();
    }

    /** Its TLS certificate's SHA-256 fingerprint, as {@code spartan server} prints it at start; null without TLS. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The node's store, as its operator can read it (what it holds, the key log's entries and key). */
    public dev.spartan.store.MessageStore store() {
        return backend.store();
    }

    /** Where the node keeps its store, certificate and admin access file ({@code spartan admin --data}). */
    public Path dataDir() {
        return data;
    }

    /** Moves the node's wall clock on (what messages are stamped with, and what retention compares them to). */
    public void passWallTime(Duration time) {
        wallOffset.addAndGet(time.toMillis());
    }

    /** Runs the node's retention sweep now; returns how many messages expired undelivered. */
    public int sweepRetention() {
        return server.retention().sweep();
    }

    /** Runs the node's attachments sweep now; returns how many blobs it deleted. */
    public int sweepAttachments() {
        return server.attachments().attachments().sweep();
    }

    /** Attachment data bytes upload calls stored (a resumed upload adds only what the node did not hold). */
    public long attachmentBytesUploaded() {
        return server.attachments().attachments().uploadedBytes();
    }

    /** Moves the rate limits' clock on, as if {@code time} had passed for them. */
    public void passTime(Duration time) {
        passed.addAndGet(time.toNanos());
    }

    /**
     * Makes the node that will use {@code dir} present the same TLS certificate as this one, as an operator would
     * keep the certificate of a node whose store was replaced.
     */
    public void shareCertificateWith(Path dir) {
        ServerProcess.copyCertificate(data, dir);
    }

    /** Stops the node (a test may stop it before its end); once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.close();
        }
    }
}
