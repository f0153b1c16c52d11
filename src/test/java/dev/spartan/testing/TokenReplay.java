package dev.spartan.testing;

import dev.spartan.client.Login;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Another process that got hold of a session token (a thief): it opens its own TLS connection and calls ListUsers
 * with the token. {@link #main} prints {@code OK} or the status it was refused with.
 */
public final class TokenReplay {
    private TokenReplay() {}

    /** args: port, known_servers file, token. */
    public static void main(String[] args) {
        ManagedChannel channel = TlsChannels.pinned(Integer.parseInt(args[0]), Path.of(args[1]));
        try {
            SpartanGrpc.newBlockingStub(channel)
                    .withInterceptors(Login.bearer(args[2]))
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .listUsers(ListUsersRequest.getDefaultInstance());
            System.out.println("OK");
        } catch (StatusRuntimeException e) {
            System.out.println(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        } finally {
            channel.shutdownNow();
        }
    }

    /** Runs {@link #main} in a new JVM (the shaded jar and the test classes) and returns what it printed. */
    public static String fromAnotherProcess(int port, Path knownServers, String token) {
        try {
            Process p = SpartanJar.testMain(TokenReplay.class, String.valueOf(port), knownServers.toString(), token)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out.lines()
                    .filter(l -> l.equals("OK") || l.startsWith("UNAUTHENTICATED") || l.matches("[A-Z_]+: .*"))
                    .reduce((a, b) -> b)
                    .orElse(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
