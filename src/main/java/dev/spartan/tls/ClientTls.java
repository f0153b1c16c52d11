package dev.spartan.tls;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a client secures its connections: TLS with pinning on first use (the default), TLS verified against the CAs
 * of a file, or no TLS at all ({@code --plaintext}).
 */
public final class ClientTls {
    private final KnownServers pins; // pinning mode
    private final Path caFile; // CA mode

    private ClientTls(KnownServers pins, Path caFile) {
        this.pins = pins;
        this.caFile = caFile;
    }

    public static ClientTls pinning(Path knownServersFile) {
        return new ClientTls(new KnownServers(knownServersFile), null);
    }

    public static ClientTls authority(Path caFile) {
        return new ClientTls(null, Objects.requireNonNull(caFile, "caFile"));
    }

    public static ClientTls plaintext() {
        return new ClientTls(null, null);
    }

    public boolean isPlaintext() {
        return pins == null && caFile == null;
    }

    /** The trust decision for one {@code host:port}; empty in plaintext mode. */
    public java.util.Optional<ServerTrust> trustFor(String target) {
        if (pins != null) {
            return java.util.Optional.of(ServerTrust.pinning(target, pins));
        }
        if (caFile != null) {
            return java.util.Optional.of(ServerTrust.authority(target, caFile));
        }
        return java.util.Optional.empty();
    }

    /** Channel credentials that use {@code trust}, or none in plaintext mode. */
    public static ChannelCredentials credentials(java.util.Optional<ServerTrust> trust) {
        return trust.<ChannelCredentials>map(
                        t -> TlsChannelCredentials.newBuilder().trustManager(t).build())
                .orElseGet(InsecureChannelCredentials::create);
    }
}
