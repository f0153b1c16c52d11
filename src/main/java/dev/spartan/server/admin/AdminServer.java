package dev.spartan.server.admin;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The operator's side door of a node: the admin service on 127.0.0.1 only, on its own port, every call checked
 * against the token of {@link AdminAccess}. Plaintext is enough on loopback, where only root can listen in; nothing
 * of the client port (its TLS, its session tokens) opens it.
 */
public final class AdminServer implements AutoCloseable {
    private final Server server;
    private final AdminAccess access;
    private final Path dataDir;

    private AdminServer(Server server, AdminAccess access, Path dataDir) {
        this.server = server;
        this.access = access;
        this.dataDir = dataDir;
    }

    /**
     * Starts the admin service on 127.0.0.1 and writes its access file.
     *
     * @param port         0 for any free port
     * @param interceptors applied inside the token check (status mapping)
     */
    public static AdminServer start(
            Path dataDir, int port, BindableService service, List<ServerInterceptor> interceptors) throws IOException {
        String token = AdminAccess.newToken();
        Server server = NettyServerBuilder.forAddress(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                        InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(
                        ServerInterceptors.intercept(service, interceptors), new TokenCheck(token)))
                .maxInboundMessageSize(64 * 1024)
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException("cannot listen on admin_port " + port + " of 127.0.0.1: " + e.getMessage(), e);
        }
        AdminAccess access = new AdminAccess(server.getPort(), token);
        try {
            access.write(dataDir);
        } catch (IOException e) {
            server.shutdownNow();
            throw new IOException("cannot write " + dataDir.resolve(AdminAccess.FILE) + ": " + e.getMessage(), e);
        }
        return new AdminServer(server, access, dataDir);
    }

    public int port() {
        return access.port();
    }

    @Override
    public void close() {
        access.remove(dataDir);
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class TokenCheck implements ServerInterceptor {
        private final byte[] expected;

        TokenCheck(String token) {
            this.expected = token.getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String token = headers.get(AdminAccess.HEADER);
            if (token == null || !MessageDigest.isEqual(expected, token.getBytes(StandardCharsets.US_ASCII))) {
                call.close(
                        Status.UNAUTHENTICATED.withDescription(
                                "admin token missing or wrong: read it from the node's " + AdminAccess.FILE),
                        new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
        }
    }
}
