package dev.spartan.server;

import dev.spartan.auth.AuthInterceptor;
import dev.spartan.auth.AuthService;
import dev.spartan.auth.SessionTokens;
import dev.spartan.backend.Backend;
import dev.spartan.chat.Conversations;
import dev.spartan.chat.Directory;
import dev.spartan.chat.GroupAdmin;
import dev.spartan.chat.Inbox;
import dev.spartan.chat.RecentMessages;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.store.MessageStore;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
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
    private final DeliveryHub hub = new DeliveryHub();
    private final HealthStatusManager health = new HealthStatusManager();
    private final ExecutorService delivery;
    private final RecentMessages recent;
    private Server server;

    public SpartanServer(SpartanConfig config, Backend backend) {
        this.config = Objects.requireNonNull(config, "config");
        this.backend = Objects.requireNonNull(backend, "backend");
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
        SessionTokens tokens = new SessionTokens();
        Clock clock = Clock.systemUTC();
        Conversations conversations = new Conversations(config, directory, store, recent, hub, clock);
        GroupAdmin groups = new GroupAdmin(directory, store, hub, config.limits());
        Presence presence = backend.presence(hub);
        ChatService chat =
                new ChatService(directory, conversations, groups, new Inbox(store), store, hub, presence, delivery);
        AuthService auth = new AuthService(directory, store, tokens, config.port(), clock);
        backend.connect(hub, recent);

        List<ServerInterceptor> chain = new ArrayList<>();
        chain.add(StatusMapping.instance()); // innermost: domain exceptions become statuses...
        chain.add(TransmitStatusRuntimeExceptionInterceptor.instance()); // ...which this sends
        chain.add(backend.rateLimiting(config, chat));
        chain.add(new AuthInterceptor(tokens)); // outermost: everything inside knows the caller
        server = Grpc.newServerBuilderForPort(config.port(), InsecureServerCredentials.create())
                .addService(MalformedRequests.strict(ServerInterceptors.intercept(chat, chain)))
                .addService(MalformedRequests.strict(ServerInterceptors.intercept(
                        auth, StatusMapping.instance(), TransmitStatusRuntimeExceptionInterceptor.instance())))
                .addService(health.getHealthService())
                .maxInboundMessageSize(config.maxMessageBytes() * 2 + 64 * 1024)
                .build()
                .start();
        health.setStatus("", ServingStatus.SERVING);
        backend.onHealth(up -> health.setStatus("", up ? ServingStatus.SERVING : ServingStatus.NOT_SERVING));
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
        backend.close();
        log.info("Spartan server on port {} stopped", port);
    }
}
