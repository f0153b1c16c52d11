package dev.spartan.ops;

import dev.spartan.auth.SessionTokens;
import dev.spartan.delivery.DeliveryHub;
import dev.spartan.ratelimit.RateLimitInterceptor;
import dev.spartan.redis.CommandErrors;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The node's Prometheus registry: JVM and process metrics, and gauges read from the running node's parts. */
final class NodeMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private volatile java.util.function.LongSupplier attachmentUploads = () -> 0;

    /** @param layout the store layout this node reads and writes, for {@code spartan_build_info} */
    NodeMetrics(int layout) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("spartan.build.info", () -> 1)
                .description("1, labelled with this node's version and the store layout it reads and writes")
                .tags("version", version(), "layout", Integer.toString(layout))
                .register(registry);
    }

    /** The jar's version (its manifest's Implementation-Version); "dev" when run from classes, as in tests. */
    static String version() {
        String v = NodeMetrics.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    void watch(DeliveryHub hub, SessionTokens tokens, ServerInterceptor rateLimiting, StoreHealth store) {
        Gauge.builder("spartan.streams.open", hub, DeliveryHub::openStreams)
                .description("ReceiveMsg streams open on this node")
                .register(registry);
        Gauge.builder("spartan.users.logged.in", tokens, SessionTokens::loggedIn)
                .description("Users with a valid session token on this node (it lasts until their next login here)")
                .register(registry);
        Gauge.builder("spartan.store.available", store, s -> s.available() ? 1 : 0)
                .description("1 while the store answers the health probe, else 0")
                .register(registry);
        if (rateLimiting instanceof RateLimitInterceptor limits) {
            Gauge.builder("spartan.rate.limit.degraded", limits, l -> l.degraded() ? 1 : 0)
                    .description("1 while the shared (Redis) rate limiter is down and the fallback decides, else 0")
                    .register(registry);
        }
        FunctionCounter.builder("spartan.bus.messages.received", hub, DeliveryHub::busMessagesReceived)
                .description("Cluster bus messages this node received from other nodes (on Redis Cluster only those"
                        + " for its own users, and broadcasts)")
                .register(registry);
        FunctionCounter.builder("spartan.redis.command.errors", CommandErrors.class, c -> CommandErrors.count())
                .description("Redis commands that failed: an error reply, or the connection dropped under them")
                .register(registry);
    }

    /** {@code spartan_attachments_upload_bytes_total}: data bytes upload calls stored. */
    void watchAttachmentUploads(java.util.function.LongSupplier bytes) {
        attachmentUploads = bytes; // held here: Micrometer keeps only a weak reference to a meter's state
        FunctionCounter.builder("spartan.attachments.upload.bytes", this, m -> m.attachmentUploads.getAsLong())
                .description("Attachment data bytes upload calls stored; a resumed upload adds only the bytes the"
                        + " node did not hold yet")
                .register(registry);
    }

    /** {@code disk_free_bytes} and {@code disk_total_bytes} of the file system that holds {@code dir}. */
    void watchDisk(java.nio.file.Path dir) {
        new io.micrometer.core.instrument.binder.system.DiskSpaceMetrics(dir.toFile()).bindTo(registry);
    }

    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
