package dev.spartan.server;

import dev.spartan.config.SpartanConfig;
import dev.spartan.ratelimit.LocalRateLimiter;
import dev.spartan.ratelimit.RateLimitConfig;
import dev.spartan.ratelimit.RateLimitInterceptor;
import dev.spartan.ratelimit.RateLimiter;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.MessageStore;
import io.grpc.ServerInterceptor;
import java.nio.file.Path;
import java.util.Map;

/** Picks the embedded single node or the Redis cluster node, from the config. */
public final class Backends {
    private Backends() {}

    public static SpartanServer.Backend forConfig(SpartanConfig config, Path dataDir) {
        if (config.redisUri() != null) {
            return new dev.spartan.cluster.RedisBackend(config);
        }
        return embedded(EmbeddedStore.open(dataDir));
    }

    public static RateLimitConfig rateLimit(SpartanConfig config) {
        return new RateLimitConfig(config.rateLimitCount(), config.rateLimitWindow());
    }

    /** One node, zero setup: the embedded store and an in-process limiter. */
    public static SpartanServer.Backend embedded(MessageStore store) {
        return new SpartanServer.Backend() {
            private RateLimiter limiter;

            @Override
            public MessageStore store() {
                return store;
            }

            @Override
            public ServerInterceptor rateLimiting(SpartanConfig config, Object... services) {
                limiter = new LocalRateLimiter(rateLimit(config));
                return new RateLimitInterceptor(Map.of("messages", limiter), services);
            }

            @Override
            public Presence presence(DeliveryHub hub) {
                return Presence.local(hub);
            }

            @Override
            public void close() {
                store.close();
            }
        };
    }
}
