package dev.spartan.server;

import dev.spartan.auth.Caller;
import dev.spartan.config.SecurityConfig;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.util.concurrent.TimeUnit;

/**
 * What every connection to the client port is held to: a time limit on the TLS and HTTP/2 handshakes, a limit on
 * idle time (no call in progress; an open push stream is a call in progress), a keepalive policy that ends a
 * connection pinging too often, and caps per remote address on connections in their handshakes and on open ones.
 */
public final class ClientPort {
    private ClientPort() {}

    public static ServerBuilder<?> harden(ServerBuilder<?> builder, SecurityConfig config) {
        return harden(
                builder,
                config,
                new ConnectionCap(
                        config.maxConnectionsPerAddress(), new HandshakeCap(config.maxHandshakesPerAddress())));
    }

    public static ServerBuilder<?> harden(ServerBuilder<?> builder, SecurityConfig config, ConnectionCap cap) {
        if (cap.handshakes() != null && builder instanceof NettyServerBuilder netty) {
            cap.handshakes().install(netty);
        }
        builder.handshakeTimeout(config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        builder.maxConnectionIdle(config.idleConnection().toMillis(), TimeUnit.MILLISECONDS);
        builder.permitKeepAliveTime(config.minClientKeepAlive().toMillis(), TimeUnit.MILLISECONDS);
        builder.permitKeepAliveWithoutCalls(false);
        builder.addTransportFilter(cap);
        if (config.bindSessions()) {
            builder.addTransportFilter(Caller.connectionIds());
        }
        return builder;
    }
}
