package dev.spartan.cli;

import dev.spartan.tls.ClientTls;
import dev.spartan.tls.ServerCertificate;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A gRPC health check from the command line, for container HEALTHCHECKs and scripts: exit 0 only when SERVING. */
@Command(
        name = "health",
        mixinStandardHelpOptions = true,
        description = {
            "Asks a node's gRPC health service (grpc.health.v1) whether it serves.",
            "Prints the status; exits 0 if SERVING, 1 if not, 2 if the node cannot be reached or does not know the"
                    + " service."
        })
public final class HealthCommand implements Callable<Integer> {
    @Option(names = "--host", description = "Node host (default: ${DEFAULT-VALUE}).", defaultValue = "localhost")
    String host;

    @Option(names = "--port", description = "Node port (default: ${DEFAULT-VALUE}).", defaultValue = "3000")
    int port;

    @Option(
            names = "--service",
            description = "spartan.v1.Spartan, spartan.v1.Auth, or empty for the whole node (default: empty).",
            defaultValue = "")
    String service;

    @Option(
            names = "--timeout",
            description = "Seconds to wait for the answer (default: ${DEFAULT-VALUE}).",
            defaultValue = "5")
    int timeoutSeconds;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "The node's data directory: its TLS certificate there is the one trusted"
                    + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "spartan-data")
    Path data;

    @Option(
            names = "--ca",
            paramLabel = "FILE",
            description = "Verify the node's certificate against this CA (PEM) and its host name instead.")
    Path ca;

    @Option(names = "--plaintext", description = "The node runs with --plaintext: ask without TLS.")
    boolean plaintext;

    @Override
    public Integer call() throws InterruptedException {
        ClientTls tls;
        if (plaintext) {
            tls = ClientTls.plaintext();
        } else {
            // The node's own self-signed certificate names localhost, 127.0.0.1 and the host: it is its own CA.
            Path authority = ca != null ? ca : data.resolve(ServerCertificate.CERT_FILE);
            if (!Files.isReadable(authority)) {
                System.out.println(
                        "cannot read " + authority + ": pass --data DIR of the node, --ca FILE or" + " --plaintext");
                return 2;
            }
            // Between `admin rotate-cert` and its restart the node still serves the certificate it replaced.
            Path previous = data.resolve(ServerCertificate.PREVIOUS_CERT_FILE);
            tls = ca == null && Files.isReadable(previous)
                    ? ClientTls.authority(java.util.List.of(authority, previous))
                    : ClientTls.authority(authority);
        }
        ManagedChannel channel;
        try {
            channel = Grpc.newChannelBuilderForAddress(
                            host, port, ClientTls.credentials(tls.trustFor(host + ":" + port)))
                    .build();
        } catch (RuntimeException e) {
            System.out.println("cannot use " + (ca != null ? ca : data) + ": " + e.getMessage());
            return 2;
        }
        try {
            HealthCheckResponse.ServingStatus status = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build())
                    .getStatus();
            System.out.println(status);
            return status == HealthCheckResponse.ServingStatus.SERVING ? 0 : 1;
        } catch (StatusRuntimeException e) {
            System.out.println(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 2;
        } finally {
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
    }
}
