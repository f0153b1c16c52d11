package dev.spartan.server;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code max_handshakes_per_address}: connections from one IP address that are accepted but have not finished their
 * TLS and HTTP/2 handshakes. One more is closed the moment it is accepted, before it costs a TLS engine, so one address
 * cannot hold hundreds of sockets for {@code handshake_timeout_seconds}. A connection leaves the count when its
 * handshakes are done ({@link ConnectionCap} tells) or when it closes.
 */
public final class HandshakeCap {
    private static final Logger log = LoggerFactory.getLogger(HandshakeCap.class);

    private final int max;
    private final Map<InetAddress, Integer> pending = new ConcurrentHashMap<>();
    private final Set<SocketAddress> pendingSockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();

    public HandshakeCap(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        this.max = max;
    }

    /**
     * Accepts the client port's connections through this cap. gRPC takes a server channel type only together with
     * its event loops, so they are made here (epoll where the platform has it, as gRPC's default does).
     */
    public void install(NettyServerBuilder builder) {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(
                1,
                new DefaultThreadFactory("spartan-accept", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(
                0,
                new DefaultThreadFactory("spartan-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        ChannelHandler gate = new Gate();
        builder.bossEventLoopGroup(boss).workerEventLoopGroup(workers).channelFactory(() -> {
            ServerChannel channel = epoll ? new EpollServerSocketChannel() : new NioServerSocketChannel();
            channel.pipeline().addLast(gate); // before gRPC's acceptor, which ServerBootstrap adds later
            return channel;
        });
    }

    /** The connection from {@code remote} finished its handshakes. */
    void handshakeDone(SocketAddress remote) {
        leave(remote);
    }

    /** Connections from {@code address} accepted and still in their handshakes. */
    public int pendingFrom(InetAddress address) {
        return pending.getOrDefault(address, 0);
    }

    private boolean enter(InetSocketAddress remote) {
        boolean[] admitted = {false};
        pending.compute(remote.getAddress(), (a, n) -> {
            int count = n == null ? 0 : n;
            admitted[0] = count < max;
            return admitted[0] ? Integer.valueOf(count + 1) : n;
        });
        if (admitted[0]) {
            pendingSockets.add(remote);
        }
        return admitted[0];
    }

    private void leave(SocketAddress remote) {
        if (remote instanceof InetSocketAddress in && pendingSockets.remove(remote)) {
            pending.computeIfPresent(in.getAddress(), (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    @ChannelHandler.Sharable
    private final class Gate extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            if (!(child.remoteAddress() instanceof InetSocketAddress remote) || remote.getAddress() == null) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (!enter(remote)) {
                child.unsafe().closeForcibly();
                if (refused.getAndIncrement() % 1000 == 0) { // a flood must not flood the log
                    log.warn(
                            "closed a connection from {}: {} connections from it are still in their handshake"
                                    + " (max_handshakes_per_address); {} closed so far",
                            remote.getAddress().getHostAddress(),
                            max,
                            refused.get());
                }
                return;
            }
            var unused = child.closeFuture().addListener(f -> leave(remote));
            ctx.fireChannelRead(msg);
        }
    }
}
