package dev.spartan.testing;

import dev.spartan.tls.ClientTls;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Channels from the test JVM to a real server, over TLS with the client's own pinning code. */
public final class TlsChannels {
    private TlsChannels() {}

    /** TLS to localhost:port, the server pinned on first use in {@code knownServers} (a file of the test's). */
    public static ManagedChannel pinned(int port, Path knownServers) {
        String target = "localhost:" + port;
        return Grpc.newChannelBuilder(
                        target,
                        ClientTls.credentials(ClientTls.pinning(knownServers).trustFor(target)))
                .build();
    }

    /**
     * Like {@link #firstUse}, but the client takes at most {@code windowBytes} of a stream's answers before the app
     * reads them (HTTP/2 flow control), so a server that answers a client which does not read must stop writing.
     */
    public static ManagedChannel narrow(int port, int windowBytes) {
        String target = "localhost:" + port;
        try {
            Path dir = Files.createTempDirectory("spartan-pins");
            dir.toFile().deleteOnExit();
            return NettyChannelBuilder.forTarget(
                            target,
                            ClientTls.credentials(ClientTls.pinning(dir.resolve("known_servers"))
                                    .trustFor(target)))
                    .flowControlWindow(windowBytes)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** TLS to localhost:port, pinned in a fresh file: whatever certificate the server shows now is trusted. */
    public static ManagedChannel firstUse(int port) {
        try {
            Path dir = Files.createTempDirectory("spartan-pins");
            dir.toFile().deleteOnExit();
            return pinned(port, dir.resolve("known_servers"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
