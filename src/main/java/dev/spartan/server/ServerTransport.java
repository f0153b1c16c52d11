package dev.spartan.server;

import dev.spartan.tls.ChannelBinding;
import dev.spartan.tls.Fingerprint;
import dev.spartan.tls.ServerCertificate;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a node meets the network: the client port's credentials (TLS, or plaintext when the operator opts out), the
 * channel binding logins must carry when a call arrives without TLS, and the data directory where the admin access
 * file goes (null: no admin service, for in-process tests).
 *
 * @param certificate      the TLS certificate of the client port; null for plaintext
 * @param plaintextBinding what a login that arrives without TLS is bound to (see {@link ChannelBinding})
 */
// never compared or used as a key; the binding is only read
@SuppressWarnings("ArrayRecordComponent")
public record ServerTransport(ServerCertificate certificate, byte[] plaintextBinding, Path adminDir) {
    public ServerTransport {
        Objects.requireNonNull(plaintextBinding, "plaintextBinding");
    }

    public static ServerTransport tls(ServerCertificate certificate, Path adminDir) {
        return new ServerTransport(
                Objects.requireNonNull(certificate, "certificate"), ChannelBinding.plaintext(), adminDir);
    }

    /**
     * A client port without TLS, e.g. behind a TLS-terminating proxy.
     *
     * @param proxy the fingerprint of the certificate a TLS-terminating proxy in front of this node presents to
     *              clients, or null if clients connect in plaintext too
     */
    public static ServerTransport plaintext(Fingerprint proxy, Path adminDir) {
        return new ServerTransport(null, proxy != null ? proxy.bytes() : ChannelBinding.plaintext(), adminDir);
    }

    public ServerCredentials credentials() {
        return certificate != null ? certificate.credentials() : InsecureServerCredentials.create();
    }
}
