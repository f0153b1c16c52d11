package dev.spartan.ops;

import dev.spartan.auth.SessionTokens;
import dev.spartan.config.OperationsConfig;
import dev.spartan.config.SpartanConfig;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.store.Layout;
import dev.spartan.store.MessageStore;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator sees of a node: health per service (driven by the store probe), server reflection, metrics, the
 * access log, and the drain before a stop. The server wires these in with a few calls; none of them changes what a
 * call does.
 */
public final class Operations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Operations.class);
    /** The health service names: "" for the whole node, then each service. */
    public static final List<String> HEALTH_SERVICES = List.of("", SpartanGrpc.SERVICE_NAME, AuthGrpc.SERVICE_NAME);

    private final OperationsConfig config;
    private final Clock clock;
    private final HealthStatusManager health = new HealthStatusManager();
    private final HealthWatches watches = new HealthWatches();
    /** From the first moment of a stop: {@code /readyz} says 503. */
    private volatile boolean draining;
    /** The port refuses new calls: {@code /healthz} says 503 too. */
    private volatile boolean refusing;

    private final AccessLog accessLog;
    private final NodeMetrics metrics;
    private final MeterRegistry registry;
    private StoreHealth storeHealth;
    private MetricsEndpoint endpoint;

    public Operations(SpartanConfig config, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.config = config.operations();
        this.accessLog = new AccessLog(config.rateLimitWindow());
        // The embedded store's layout is numbered apart from Redis's (Layout.EMBEDDED).
        int layout = config.redisUri() == null ? Layout.EMBEDDED : Layout.VERSION;
        this.metrics = this.config.metricsEnabled() ? new NodeMetrics(layout) : null;
        // With metrics off, meters go to an empty composite registry, which keeps nothing.
        this.registry = metrics != null ? metrics.registry() : new CompositeMeterRegistry();
        // NOT_SERVING until the first store probe says otherwise (the manager starts with "" SERVING).
        HEALTH_SERVICES.forEach(service -> health.setStatus(service, ServingStatus.NOT_SERVING));
    }

    /** A server builder on the configured address ({@code bind}, or every interface) and port. */
    public static ServerBuilder<?> serverBuilder(OperationsConfig config, int port, ServerCredentials credentials) {
        if (config.bind() == null) {
            return NettyServerBuilder.forPort(port, credentials);
        }
        return NettyServerBuilder.forAddress(new InetSocketAddress(config.bind(), port), credentials);
    }

    /** The store as the node should use it: timed, and its failures counted and logged. */
    public MessageStore observe(MessageStore store) {
        return ObservedStore.observe(store, registry);
    }

    /** Health, and server reflection in both versions (grpcurl and Postman use v1, older tools v1alpha). */
    @SuppressWarnings("deprecation") // v1alpha is deprecated in favour of v1, but many tools still ask only for it
    public List<ServerServiceDefinition> services() {
        return List.of(
                ServerInterceptors.intercept(health.getHealthService(), watches),
                ProtoReflectionServiceV1.newInstance().bindService(),
                ProtoReflectionService.newInstance().bindService());
    }

    /** The security log of calls; see {@link AccessLog} for where it belongs in an interceptor chain. */
    public ServerInterceptor accessLog() {
        return accessLog;
    }

    /** Interceptors for every call of the server: per-call and per-message metrics, if metrics are on. */
    public List<ServerInterceptor> callInterceptors() {
        return metrics == null ? List.of() : List.of(new MessageMetrics(registry, clock), new RpcMetrics(registry));
    }

    /**
     * The server listens: start the health probe and, if configured, the metrics endpoint.
     *
     * @param store the store as its implementation, not {@link #observe observed}: probes are not store traffic
     */
    public void started(MessageStore store, DeliveryHub hub, SessionTokens tokens, ServerInterceptor rateLimiting)
            throws ListenException {
        storeHealth = new StoreHealth(health, Objects.requireNonNull(store, "store"), HEALTH_SERVICES);
        if (metrics != null) {
            metrics.watch(hub, tokens, rateLimiting, storeHealth);
            endpoint = MetricsEndpoint.start(
                    config.bind(), config.metricsPort(), metrics::scrape, this::serving, this::ready);
        }
        storeHealth.start(); // after the last step that can fail, so that a failed start logs nothing
        if (endpoint != null) {
            log.info(
                    "metrics on http://{}:{}{}",
                    config.bind() == null ? "0.0.0.0" : config.bind(),
                    endpoint.port(),
                    MetricsEndpoint.PATH);
        }
    }

    /** Exports the attachment bytes upload calls stored, if metrics are on. */
    public void watchAttachmentUploads(java.util.function.LongSupplier bytes) {
        if (metrics != null) {
            metrics.watchAttachmentUploads(bytes);
        }
    }

    /** Exports the free and total bytes of the data directory's file system, if metrics are on. */
    public void watchDisk(java.nio.file.Path dataDir) {
        if (metrics != null && dataDir != null) {
            metrics.watchDisk(dataDir.toAbsolutePath());
        }
    }

    /**
     * The first step of a stop: health says NOT_SERVING at once, for good, and calls are still served for the
     * drain period, so that load balancers polling health stop sending clients here before the port closes.
     */
    public void drain() {
        draining = true;
        if (storeHealth != null) {
            storeHealth.drain();
        } else {
            health.enterTerminalState();
        }
        long millis = config.drain().toMillis();
        log.info(
                "shutdown: health NOT_SERVING; still serving for {} s so load balancers can move clients away",
                String.format(Locale.ROOT, "%.1f", millis / 1000.0));
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The port refuses new calls: end the open health Watch streams with UNAVAILABLE, so that the stop need not wait
     * for them, and {@code /healthz} says 503.
     */
    public void refuseNewCalls() {
        refusing = true;
        watches.endAll(io.grpc.Status.UNAVAILABLE.withDescription("server is shutting down"));
    }

    /** {@code GET /healthz}: the node serves calls (its store answers, its port is open; a drain still serves). */
    boolean serving() {
        return !refusing && storeHealth != null && storeHealth.available();
    }

    /** {@code GET /readyz}: the node serves and is not stopping, so a load balancer may send it clients. */
    boolean ready() {
        return !draining && serving();
    }

    @Override
    public void close() {
        if (storeHealth != null) {
            storeHealth.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }
}
