package dev.spartan.testing;

import dev.spartan.backend.EmbeddedBackend;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.server.ServerTransport;
import dev.spartan.server.SpartanServer;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.tls.ServerCertificate;
import io.grpc.Grpc;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node wired as {@code spartan server} wires it (shipped config.yaml, embedded store in a data directory, TLS on a
 * free port) but running in the test's JVM, so that the test can move the clock its rate limits count windows on:
 * real client processes connect to it, and a 30 s window passes when the test says so, not after 30 s.
 */
public final class TlsNode implements AutoCloseable {
    private final AtomicLong passed = new AtomicLong();
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

    private final SpartanConfig config;
    private final SpartanServer server;

    /** A node that lets {@code count} messages per user through in each {@code window}. */
    public TlsNode(Path dir, int count, Duration window) throws Exception {
        config =
                ConfigLoader.load(Path.of("config.yaml")).withPort(Ports.free()).withRateLimit(count, window);
        Path data = dir.resolve("data");
        ServerTransport transport = ServerTransport.tls(ServerCertificate.loadOrCreate(data, Clock.systemUTC()), null);
        server = new SpartanServer(
                        config.withOperations(config.operations().withDrain(Duration.ZERO)),
                        new EmbeddedBackend(EmbeddedStore.open(data), () -> System.nanoTime() + passed.get()),
                        Grpc.newServerBuilderForPort(config.port(), transport.credentials()),
                        transport,
                        clock)
                .start();
    }

    public int port() {
        return config.port();
    }

    /** Moves the rate limits' clock on, as if {@code time} had passed for them. */
    public void passTime(Duration time) {
        passed.addAndGet(time.toNanos());
    }

    /** Moves the node's wall clock on (what messages are stamped with, and what retention compares them to). */
    public void passWallTime(Duration time) {
        wallOffset.addAndGet(time.toMillis());
    }

    /** Runs the node's retention sweep now; returns how many messages expired undelivered. */
    public int sweepRetention() {
        return server.retention().sweep();
    }

    @Override
    public void close() {
        server.close();
    }
}
