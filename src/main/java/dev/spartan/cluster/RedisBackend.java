package dev.spartan.cluster;

import dev.spartan.config.SpartanConfig;
import dev.spartan.server.DeliveryHub;
import dev.spartan.server.Presence;
import dev.spartan.server.SpartanServer;
import dev.spartan.store.MessageStore;
import io.grpc.ServerInterceptor;

/** Placeholder until the cluster work lands: refuses to start rather than pretend. */
public final class RedisBackend implements SpartanServer.Backend {
    public RedisBackend(SpartanConfig config) {
        throw new UnsupportedOperationException("--redis is not supported yet");
    }

    @Override
    public MessageStore store() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ServerInterceptor rateLimiting(SpartanConfig config, Object... services) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Presence presence(DeliveryHub hub) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() { }
}
