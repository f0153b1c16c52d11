package dev.spartan.server;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At most {@code max} open connections per remote IP address. A connection over the cap is closed as soon as its
 * handshakes are done (an exception from the filter makes gRPC close it); connections still in the handshake are
 * counted by {@link HandshakeCap}, and the handshake timeout closes them. Refusals are logged at most once a minute, with their count, so a
 * flood of connections cannot flood the log too.
 */
public final class ConnectionCap extends ServerTransportFilter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);
    private static final Attributes.Key<InetAddress> COUNTED = Attributes.Key.create("spartan-counted-address");

    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final int max;
    private final HandshakeCap handshakes;
    private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();
    private final AtomicLong refusedSinceLog = new AtomicLong();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    public ConnectionCap(int max) {
        this(max, null);
    }

    /** @param handshakes the cap on connections still in their handshakes, told when one finishes; may be null */
    public ConnectionCap(int max, HandshakeCap handshakes) {
        this.handshakes = handshakes;
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        this.max = max;
    }

    @Override
    public Attributes transportReady(Attributes attributes) {
        SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (handshakes != null && remote != null) {
            handshakes.handshakeDone(remote);
        }
        if (!(remote instanceof InetSocketAddress in) || in.getAddress() == null) {
            return attributes;
        }
        InetAddress address = in.getAddress();
        boolean[] admitted = {false};
        open.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            admitted[0] = count < max;
            if (admitted[0]) {
                return count + 1;
            }
            return count == 0 ? null : Integer.valueOf(count);
        });
        if (!admitted[0]) {
            refused(address);
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

    private void refused(InetAddress address) {
        long refused = refusedSinceLog.incrementAndGet();
        long last = lastLog.get();
        long now = System.nanoTime();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            refusedSinceLog.addAndGet(-refused);
            log.warn(
                    "refused {} connection(s) over max_connections_per_address ({}), the last from {}",
                    refused,
                    max,
                    address.getHostAddress());
        }
        throw Sneaky.<RuntimeException>rethrow(
                new IOException("too many connections from " + address.getHostAddress()));
    }

    /**
     * gRPC logs a failed transport with its stack trace unless the failure is a plain IOException, which it treats
     * as routine; a refused connection is routine, so it is thrown as one although the filter's signature has none.
     */
    private static final class Sneaky {
        @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"}) // the sneaky throw of the comment above
        static <E extends Throwable> E rethrow(Throwable t) throws E {
            throw (E) t;
        }
    }

    /** The cap on connections still in their handshakes that this cap tells; null if none. */
    public HandshakeCap handshakes() {
        return handshakes;
    }

    /** Open connections from {@code address} that this cap counts. */
    public int openFrom(InetAddress address) {
        return open.getOrDefault(address, 0);
    }
}
