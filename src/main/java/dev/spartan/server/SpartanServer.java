package dev.spartan.server;

import dev.spartan.attachments.AttachmentsNode;
import dev.spartan.auth.AuthInterceptor;
import dev.spartan.auth.AuthService;
import dev.spartan.auth.Caller;
import dev.spartan.auth.Enrollment;
import dev.spartan.auth.LoginGate;
import dev.spartan.auth.SessionTokens;
import dev.spartan.backend.Backend;
import dev.spartan.chat.Conversations;
import dev.spartan.chat.Directory;
import dev.spartan.chat.GroupAdmin;
import dev.spartan.chat.Inbox;
import dev.spartan.chat.Linking;
import dev.spartan.chat.PreKeys;
import dev.spartan.chat.RecentMessages;
import dev.spartan.chat.Retention;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.delivery.Presence;
import dev.spartan.ops.ListenException;
import dev.spartan.ops.Operations;
import dev.spartan.server.admin.AdminServer;
import dev.spartan.server.admin.AdminService;
import dev.spartan.store.MessageStore;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
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

/**
 * Wires one node together and runs it. What differs between embedded and Redis mode arrives as {@link Backend}; where
 * it listens arrives as a {@link ServerBuilder}, so tests can run the same wiring in-process.
 */
public final class SpartanServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpartanServer.class);

    private final SpartanConfig config;
    private final Backend backend;
    private final ServerBuilder<?> builder;
    private final ServerTransport transport;
    private final Clock clock;
    private final SessionTokens tokens;
    private AdminServer admin;
    private final DeliveryHub hub = new DeliveryHub();
    private final Operations ops;
    private final ExecutorService delivery;
    private final RecentMessages recent;
    /** The chat service once started: its SendStreams are ended at the stop. */
    private ChatService chat;

    private Retention retention;
    /** Files' blobs and records; null when this node cannot keep any (see {@link AttachmentsNode#open}). */
    private AttachmentsNode attachments;

    private Directory directory;

    private Server server;

    /**
     * Wires a node that will listen through {@code builder}.
     *
     * @param builder where and how to listen, e.g. {@code Grpc.newServerBuilderForPort(port, credentials)}; the
     *                services and limits are added by {@link #start()}
     * @param transport the credentials the builder was made with, the login's channel binding, the admin directory
     * @param clock the node's one wall clock, the same one its backend was given
     */
    public SpartanServer(
            SpartanConfig config, Backend backend, ServerBuilder<?> builder, ServerTransport transport, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.builder = Objects.requireNonNull(builder, "builder");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ops = new Operations(config, this.clock);
        this.tokens = new SessionTokens(config.security().sessionTtl(), this.clock);
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
        MessageStore store = ops.observe(backend.store());
        directory = new Directory(config, store, clock);
        Conversations conversations = new Conversations(config, directory, store, recent, hub, clock);
        GroupAdmin groups = new GroupAdmin(directory, store, hub, directory::limits, clock);
        Presence presence = backend.presence(hub);
        retention = new Retention(store, hub, recent, config.retention(), clock);
        conversations.onExpiring(retention::expiresAt);
        chat = new ChatService(
                directory,
                conversations,
                groups,
                new Inbox(store),
                store,
                hub,
                presence,
                delivery,
                new PreKeys(directory, store),
                config.sendWindow(),
                new dev.spartan.chat.MessageActions(conversations, directory, store, retention, clock));
        Enrollment enrollment = new Enrollment(config.security(), store, clock);
        // One throttle for logins and links: a link is another way into an account.
        LoginGate gate = dev.spartan.ratelimit.LoginThrottle.of(config.security(), clock);
        AuthService auth = new AuthService(
                directory,
                store,
                tokens,
                enrollment,
                gate,
                config.security().maxOpenChallenges(),
                config.port(),
                config.sendWindow(),
                clock);
        LinkService link = new LinkService(
                new Linking(
                        directory, store, hub, clock, config.limits().devicesPerUser(), config.maxMessageBytes() * 2),
                hub,
                gate,
                clock,
                address -> Sessions.unlinked(tokens, hub, address));
        backend.connect(hub, recent);
        Sessions.connect(tokens, hub, directory);
        retention.start();

        KeyLogProofs keyLog = new KeyLogProofs(new dev.spartan.chat.KeyLog(store, clock));
        List<ServerInterceptor> chain = new ArrayList<>();
        chain.add(keyLog); // every key handed out gets its proof from the key log
        chain.add(StatusMapping.instance()); // innermost: domain exceptions become statuses...
        chain.add(TransmitStatusRuntimeExceptionInterceptor.instance()); // ...which this sends
        ServerInterceptor rateLimiting = backend.rateLimiting(config, chat);
        chain.add(rateLimiting);
        chain.add(ops.accessLog()); // knows the caller, sees every status
        chain.add(new AuthInterceptor(tokens)); // outermost: everything inside knows the caller
        attachments =
                AttachmentsNode.open(config, transport.adminDir(), backend.redisStrings(), directory, store, clock);
        if (attachments != null) {
            builder.addService(MalformedRequests.strict(ServerInterceptors.intercept(attachments.service(), chain)));
        }
        builder.addService(MalformedRequests.strict(ServerInterceptors.intercept(chat, chain)))
                .addService(MalformedRequests.strict(ServerInterceptors.intercept(
                        auth,
                        StatusMapping.instance(),
                        TransmitStatusRuntimeExceptionInterceptor.instance(),
                        ops.accessLog(),
                        new AuthInterceptor(tokens, AuthService.OPEN_METHODS),
                        Caller.interceptor(transport.plaintextBinding()))))
                .addService(MalformedRequests.strict(ServerInterceptors.intercept(
                        link,
                        StatusMapping.instance(),
                        TransmitStatusRuntimeExceptionInterceptor.instance(),
                        ops.accessLog(),
                        new AuthInterceptor(tokens, LinkService.OPEN_METHODS),
                        Caller.interceptor(transport.plaintextBinding()))))
                .addService(MalformedRequests.strict(ServerInterceptors.intercept(
                        keyLog,
                        StatusMapping.instance(),
                        TransmitStatusRuntimeExceptionInterceptor.instance(),
                        ops.accessLog(),
                        new AuthInterceptor(tokens))))
                .maxInboundMessageSize(dev.spartan.chat.SenderKeyMessages.inboundBytes(
                        config.maxMessageBytes(),
                        largestGroup(config),
                        config.limits().devicesPerUser()));
        ops.services().forEach(builder::addService);
        ops.callInterceptors().forEach(builder::intercept);
        try {
            server = builder.build().start();
        } catch (IOException e) {
            throw ListenException.of("port", config.operations().bind(), config.port(), e);
        }
        ops.started(backend.store(), hub, tokens, rateLimiting);
        ops.watchDisk(transport.adminDir()); // the data directory, for the disk alert
        if (attachments != null) {
            ops.watchAttachmentUploads(attachments.attachments()::uploadedBytes);
        }
        if (transport.adminDir() != null) {
            admin = AdminServer.start(
                    transport.adminDir(),
                    config.security().adminPort(),
                    new AdminService(
                            directory,
                            store,
                            enrollment,
                            tokens,
                            hub,
                            presence,
                            "localhost:" + server.getPort(),
                            retention),
                    List.of(StatusMapping.instance(), TransmitStatusRuntimeExceptionInterceptor.instance()));
        }
        return this;
    }

    /** SIGHUP: users and config groups from the reloaded config.yaml, for the calls from now on. */
    public void reloadUsersAndGroups(SpartanConfig reloaded) {
        directory.reload(reloaded);
    }

    /** The port listened on, or -1 for an in-process server. */
    public int port() {
        return server.getPort();
    }

    /** The node's retention sweep, to run one now. */
    public Retention retention() {
        return retention;
    }

    /** The node's attachments, or null when it has none. */
    public AttachmentsNode attachments() {
        return attachments;
    }

    public DeliveryHub hub() {
        return hub;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Graceful stop: report NOT_SERVING and keep serving for the drain period, then stop taking calls, let calls in
     * flight finish, and end the streams with UNAVAILABLE so that clients reconnect elsewhere.
     */
    @Override
    public void close() {
        if (server == null) {
            ops.close();
            tokens.close();
            return;
        }
        int port = server.getPort(); // getPort() throws once the server has terminated
        if (admin != null) {
            admin.close();
        }
        ops.drain();
        log.info(
                "shutdown: refusing new calls, finishing calls in flight, ending {} streams with UNAVAILABLE",
                hub.openStreams());
        server.shutdown();
        ops.refuseNewCalls(); // ends health Watch streams, which would otherwise hold the stop for 5 s
        hub.closeAll(Status.UNAVAILABLE.withDescription("server is shutting down"));
        chat.endSendStreams(Status.UNAVAILABLE.withDescription("server is shutting down"));
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("shutdown: calls still running after 5 s are cancelled");
                server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delivery.shutdown();
        tokens.close();
        retention.close();
        if (attachments != null) {
            attachments.close();
        }
        backend.close();
        ops.close();
        log.info("Spartan server on port {} stopped", port);
    }

    /** The most members a group can have: a run-time group's limit, or the largest config group. */
    private static int largestGroup(SpartanConfig config) {
        int largest = config.limits().membersPerGroup();
        for (List<String> members : config.groups().values()) {
            largest = Math.max(largest, members.size());
        }
        return largest;
    }
}
