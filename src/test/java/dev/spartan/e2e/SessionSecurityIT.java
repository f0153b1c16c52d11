package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.auth.AuthInterceptor;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.Login;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.testing.Admin;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.TokenReplay;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stolen token is worth little (on nodes in the test's JVM wired as {@code spartan server} wires them; the thief is
 * always a process of its own): replayed from another process it works only until the session ends, and a session
 * ends at a logout, a newer login of the same user, or its expiry, taking its push stream with it at once.
 */
class SessionSecurityIT {
    @TempDir
    Path dir;

    private Path keys() {
        return dir.resolve("keys");
    }

    private Path knownServers() {
        return keys().resolve("known_servers");
    }

    /**
     * Opens the push stream of {@code session}'s user with its token and waits until the server has sent what was
     * stored (so the stream is in place); the future completes with the status the stream ends with.
     */
    private static CompletableFuture<Status> stream(WireSession session) throws InterruptedException {
        CompletableFuture<Status> ended = new CompletableFuture<>();
        CountDownLatch caughtUp = new CountDownLatch(1);
        SpartanGrpc.newStub(session.channel())
                .withInterceptors(Login.bearer(session.loginResponse().getSessionToken()))
                .receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<Event>() {
                    @Override
                    public void onNext(Event e) {
                        if (e.hasCaughtUp()) {
                            caughtUp.countDown();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        ended.complete(Status.OK);
                    }
                });
        assertThat(caughtUp.await(20, TimeUnit.SECONDS))
                .as("the stream is open")
                .isTrue();
        return ended;
    }

    @Test
    void aTokenReplayedFromAnotherProcessIsRefusedAfterLogoutAndAfterANewLogin() throws Exception {
        try (TlsNode server = new TlsNode(dir.resolve("s"), ServerProcess.defaultConfig())) {
            Path aliceKeys = keys().resolve("alice");
            // Logout.
            String stolen;
            try (WireSession alice = WireSession.login("alice", aliceKeys, server.port())) {
                stolen = alice.loginResponse().getSessionToken();
                // Bound to alice's connection: refused on any other even while alice's session lives.
                assertThat(TokenReplay.fromAnotherProcess(server.port(), knownServers(), stolen))
                        .isEqualTo("UNAUTHENTICATED: " + AuthInterceptor.OTHER_CONNECTION);
                CompletableFuture<Status> stream = stream(alice);
                Login.logout(alice.channel(), stolen);
                Status ended = stream.get(20, TimeUnit.SECONDS);
                assertThat(ended.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(ended.getDescription()).isEqualTo("alice logged out; this session is closed");
            }
            assertThat(TokenReplay.fromAnotherProcess(server.port(), knownServers(), stolen))
                    .isEqualTo("UNAUTHENTICATED: session token is expired, revoked or unknown: log in again");

            // A newer login of the same user ends the older session and its stream at once.
            try (WireSession first = WireSession.login("alice", aliceKeys, server.port())) {
                CompletableFuture<Status> stream = stream(first);
                String older = first.loginResponse().getSessionToken();
                try (WireSession second = WireSession.login("alice", aliceKeys, server.port())) {
                    Status ended = stream.get(20, TimeUnit.SECONDS);
                    assertThat(ended.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(ended.getDescription())
                            .isEqualTo("alice signed in from another client; this session is closed");
                    assertThat(TokenReplay.fromAnotherProcess(server.port(), knownServers(), older))
                            .startsWith("UNAUTHENTICATED");
                    assertThat(TokenReplay.fromAnotherProcess(
                                    server.port(),
                                    knownServers(),
                                    second.loginResponse().getSessionToken()))
                            .isEqualTo("UNAUTHENTICATED: " + AuthInterceptor.OTHER_CONNECTION);
                }
            }
        }
    }

    @Test
    void anExpiredTokenIsRefusedWhileTheClientLogsInAgainUnnoticed() throws Exception {
        String config = ServerProcess.defaultConfig()
                + "\nsession_ttl_seconds: 12\nrate_limit:\n  max_calls: 1000\n  window_seconds: 1\n";
        try (TlsNode server = new TlsNode(dir.resolve("s"), config)) {
            String stolen;
            CompletableFuture<Status> stream;
            try (WireSession thief = WireSession.login("charlie", keys().resolve("charlie"), server.port())) {
                stolen = thief.loginResponse().getSessionToken();
                stream = stream(thief);
                try (ClientProcess alice = new ClientProcess("alice", keys(), server.port());
                        ClientProcess bob = new ClientProcess("bob", keys(), server.port())) {
                    Chats.open(alice, bob);
                    long bothExpired = System.currentTimeMillis() + 12_000; // both logged in before this
                    alice.type("before the expiry");
                    bob.awaitLine("[alice] before the expiry");

                    // The session's stream ends when its time is up, saying so.
                    Status ended = stream.get(40, TimeUnit.SECONDS);
                    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(ended.getDescription()).isEqualTo("session expired: log in again");

                    // alice's and bob's sessions expire too; their clients log in again without a word.
                    await().atMost(Duration.ofSeconds(60)).until(() -> System.currentTimeMillis() > bothExpired + 3000);
                    alice.type("after the expiry");
                    bob.awaitLine("[alice] after the expiry");
                    bob.type("still here");
                    alice.awaitLine("[bob] still here");
                    assertThat(alice.out().lines()).noneMatch(l -> l.contains("Connection lost"));
                    assertThat(bob.out().lines()).noneMatch(l -> l.contains("Connection lost"));

                    alice.type("/logout");
                    alice.awaitLine("[Spartan] Logged out: this session's token no longer works.");
                    assertThat(alice.awaitExit()).isZero();
                    Admin.Run sessions = Admin.run(server.dataDir(), "sessions");
                    assertThat(sessions.out()).contains("\nbob ").doesNotContain("\nalice ");
                }
            }
            assertThat(TokenReplay.fromAnotherProcess(
                            server.port(), ClientOptions.knownServers(keys().resolve("charlie")), stolen))
                    .startsWith("UNAUTHENTICATED");
        }
    }

    private static String onRedis(dev.spartan.testing.RedisServerProcess redis) {
        return ServerProcess.defaultConfig() + "\nredis: " + redis.uri() + "\n";
    }

    @Test
    void streamsOfAUserEndOnEveryNodeWhenTheyLogInOnAnother() throws Exception {
        try (dev.spartan.testing.RedisServerProcess redis = new dev.spartan.testing.RedisServerProcess();
                TlsNode node1 = new TlsNode(dir.resolve("n1"), onRedis(redis));
                TlsNode node2 = new TlsNode(dir.resolve("n2"), onRedis(redis));
                WireSession first = WireSession.login("alice", keys().resolve("alice"), node1.port())) {
            CompletableFuture<Status> stream = stream(first);
            String older = first.loginResponse().getSessionToken();
            try (WireSession second = WireSession.login("alice", keys().resolve("alice"), node2.port())) {
                Status ended = stream.get(20, TimeUnit.SECONDS);
                assertThat(ended.getDescription())
                        .isEqualTo("alice signed in from another client; this session is closed");
                assertThat(TokenReplay.fromAnotherProcess(node1.port(), knownServers(), older))
                        .startsWith("UNAUTHENTICATED");
            }
        }
    }
}
