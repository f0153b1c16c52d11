package dev.spartan.server;

import dev.spartan.auth.AuthInterceptor;
import dev.spartan.auth.AuthService;
import dev.spartan.auth.Caller;
import dev.spartan.auth.Enrollment;
import dev.spartan.auth.SessionTokens;
import dev.spartan.backend.Backend;
import dev.spartan.chat.Conversations;
import dev.spartan.chat.Directory;
import dev.spartan.chat.GroupAdmin;
import dev.spartan.chat.RecentMessages;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.server.admin.AdminServer;
import dev.spartan.server.admin.AdminService;
import dev.spartan.store.MessageStore;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.util.TransmitStatusRuntimeExceptionInterceptor;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires one node together and runs it. What differs between embedded and Redis mode arrives as {@link Backend}. */
public final class SpartanServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpartanServer.class);

    private final SpartanConfig config;
    private final Backend backend;
    private final ServerTransport transport;
    private final SessionTokens tokens;
    private AdminServer admin;
    private final DeliveryHub hub = new DeliveryHub();
    private final HealthStatusManager health = new HealthStatusManager();
    private final ExecutorService delivery;
    private final RecentMessages recent;
    private Server server;

    public SpartanServer(SpartanConfig config, Backend backend, ServerTransport transport) {
        this.config = Objects.requireNonNull(config, "config");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.tokens = new SessionTokens(config.security().sessionTtl(), Clock.systemUTC());
        AtomicInteger n = new AtomicInteger();
        // Drains may block on the store (a Redis round trip), so keep a few more threads than cores.
        this.delivery = Executors.newFixedThreadPool(
                Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), r -> {
                    Thread t = new Thread(r, "delivery-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        ((java.util.concurrent.ThreadPoolExecutor) delivery).prestartAllCoreThreads(); // a fixed count from the start
        this.recent = new RecentMessages(backend.store(), config.recentMessagesPerChat(), config.cachedConversations());
    }

    public SpartanServer start() throws IOException {
        MessageStore store = backend.store();
        Directory directory = new Directory(config, store);
        Clock clock = Clock.systemUTC();
        Conversations conversations = new Conversations(config, directory, store, recent, hub, clock);
        GroupAdmin groups = new GroupAdmin(directory, store, hub);
        Presence presence = backend.presence(hub);
        ChatService chat = new ChatService(directory, conversations, groups, store, hub, presence, delivery);
        Enrollment enrollment = new Enrollment(config.security(), store, clock);
        AuthService auth = new AuthService(
                directory, store, tokens, enrollment, config.security().maxOpenChallenges(), config.port(), clock);
        backend.connect(hub, recent);
        Sessions.connect(tokens, hub, directory);

        List<ServerInterceptor> chain = new ArrayList<>();
        chain.add(StatusMapping.instance()); // innermost: domain exceptions become statuses...
        chain.add(TransmitStatusRuntimeExceptionInterceptor.instance()); // ...which this sends
        chain.add(backend.rateLimiting(config, chat));
        chain.add(new AuthInterceptor(tokens)); // outermost: everything inside knows the caller
        server = ClientPort.harden(
                        Grpc.newServerBuilderForPort(config.port(), transport.credentials()),
                        config.security(),
                        new ConnectionCap(config.security().maxConnectionsPerAddress()))
                .addService(ServerInterceptors.intercept(chat, chain))
                .addService(ServerInterceptors.intercept(
                        auth,
                        StatusMapping.instance(),
                        TransmitStatusRuntimeExceptionInterceptor.instance(),
                        new AuthInterceptor(tokens, AuthService.OPEN_METHODS),
                        Caller.interceptor(transport.plaintextBinding()),
                        LoginThrottle.perAddress(config.security())))
                .addService(health.getHealthService())
                .maxInboundMessageSize(config.maxMessageBytes() * 2 + 64 * 1024)
                .build()
                .start();
        health.setStatus("", ServingStatus.SERVING);
        if (transport.adminDir() != null) {
            admin = AdminServer.start(
                    transport.adminDir(),
                    config.security().adminPort(),
                    new AdminService(
                            directory, store, enrollment, tokens, hub, presence, "localhost:" + server.getPort()),
                    List.of(StatusMapping.instance(), TransmitStatusRuntimeExceptionInterceptor.instance()));
        }
        return this;
    }

    public int port() {
        return server.getPort();
    }

    public DeliveryHub hub() {
        return hub;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Graceful stop: report NOT_SERVING, stop taking calls, let calls in flight finish, then end the streams with
     * UNAVAILABLE so that clients reconnect elsewhere.
     */
    @Override
    public void close() {
        if (server == null) {
            return;
        }
        int port = server.getPort(); // getPort() throws once the server has terminated
        if (admin != null) {
            admin.close();
        }
        health.enterTerminalState();
        server.shutdown();
        hub.closeAll(Status.UNAVAILABLE.withDescription("server is shutting down"));
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delivery.shutdown();
        tokens.close();
        backend.close();
        log.info("Spartan server on port {} stopped", port);
    }
}
