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
    private final java.util.List<Path> caFiles; // CA mode

    private ClientTls(KnownServers pins, java.util.List<Path> caFiles) {
        this.pins = pins;
        this.caFiles = caFiles;
    }

    public static ClientTls pinning(Path knownServersFile) {
        return new ClientTls(new KnownServers(knownServersFile), null);
    }

    public static ClientTls authority(Path caFile) {
        return new ClientTls(null, java.util.List.of(Objects.requireNonNull(caFile, "caFile")));
    }

    /** The CAs of several files, such as a node's certificate and the one it served before a rotation. */
    public static ClientTls authority(java.util.List<Path> caFiles) {
        return new ClientTls(null, java.util.List.copyOf(caFiles));
    }

    public static ClientTls plaintext() {
        return new ClientTls(null, null);
    }

    public boolean isPlaintext() {
        return pins == null && caFiles == null;
    }

    /** The trust decision for one {@code host:port}; empty in plaintext mode. */
    public java.util.Optional<ServerTrust> trustFor(String target) {
        if (pins != null) {
            return java.util.Optional.of(ServerTrust.pinning(target, pins));
        }
        if (caFiles != null) {
            return java.util.Optional.of(ServerTrust.authority(target, caFiles));
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
