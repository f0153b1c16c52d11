package dev.spartan.server;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At most {@code max} open connections per remote IP address. A connection over the cap is refused as soon as its
 * handshakes are done (the filter's exception makes gRPC close it with GOAWAY); connections still in the handshake
 * are not counted, but the handshake timeout closes them.
 */
public final class ConnectionCap extends ServerTransportFilter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);
    private static final Attributes.Key<InetAddress> COUNTED = Attributes.Key.create("spartan-counted-address");

    private final int max;
    private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();

    public ConnectionCap(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        this.max = max;
    }

    @Override
    public Attributes transportReady(Attributes attributes) {
        SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (!(remote instanceof InetSocketAddress in) || in.getAddress() == null) {
            return attributes;
        }
        InetAddress address = in.getAddress();
        boolean[] admitted = {false};
        open.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            admitted[0] = count < max;
            return admitted[0] ? count + 1 : (count == 0 ? null : count);
        });
        if (!admitted[0]) {
            log.warn("refused a connection from {}: {} open already (max_connections_per_address)", address, max);
            throw Status.RESOURCE_EXHAUSTED
                    .withDescription("too many connections from " + address.getHostAddress())
                    .asRuntimeException();
        }
        return attributes.toBuilder().set(COUNTED, address).build();
    }

    @Override
    public void transportTerminated(Attributes attributes) {
        InetAddress address = attributes == null ? null : attributes.get(COUNTED);
        if (address != null) {
            open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** Open connections from {@code address} that this cap counts. */
    public int openFrom(InetAddress address) {
        return open.getOrDefault(address, 0);
    }
}
