package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.PublicIdentity;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's log after a real session, read as an operator and as an attacker would: every security and lifecycle
 * event has its line, and no token, key or message text is anywhere in it.
 */
class AccessLogIT {
    @TempDir
    Path dir;

    private Path keys(String user) {
        return dir.resolve("keys").resolve(user);
    }

    @Test
    void aSessionLeavesOneLinePerEventAndNoSecret() throws Exception {
        List<String> secrets = new ArrayList<>();
        String log;
        int port;
        String aliceFingerprint;
        String impostorFingerprint;
        try (ServerProcess server =
                new ServerProcess(dir.resolve("node"), ServerProcess.defaultConfig(), "--rate-limit", "2/30")) {
            port = server.port();
            try (ClientProcess alice = new ClientProcess("alice", dir.resolve("keys"), port);
                    ClientProcess bob = new ClientProcess("bob", dir.resolve("keys"), port)) {
                Chats.open(alice, bob);
                for (int i = 1; i <= 3; i++) {
                    String body = "body-" + i + "-of-a-private-conversation";
                    secrets.add(body);
                    alice.type(body);
                }
                bob.awaitLine("[alice] body-2-of-a-private-conversation");
                alice.out().awaitRaw("[Spartan] Rate limit reached (2 per 30s)");

                // A login nobody may make, and a login with keys other than the pinned ones.
                try (ClientProcess zed = new ClientProcess("zed", dir.resolve("keys"), port)) {
                    assertThat(zed.awaitExit()).isEqualTo(1);
                }
                try (ClientProcess impostor = new ClientProcess("bob", dir.resolve("impostor"), port)) {
                    assertThat(impostor.awaitExit()).isEqualTo(1);
                    // The refused client removes the key directory it made, so its fingerprint is read from its words.
                    Matcher presented = Pattern.compile("presented ([0-9a-f]{4}( [0-9a-f]{4}){3})")
                            .matcher(impostor.out().raw());
                    assertThat(presented.find()).as(impostor.out().raw()).isTrue();
                    impostorFingerprint = presented.group(1);
                }
                aliceFingerprint =
                        WireSession.identity(keys("alice")).publicIdentity().fingerprint();

                // eve hammers the limit: six sends in a row, four refused, one log line.
                try (WireSession eve = WireSession.login("eve", keys("eve"), port)) {
                    secrets.add(eve.loginResponse().getSessionToken());
                    List<Status.Code> codes = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        try {
                            eve.send(eve.message(ChatIds.toUser("foo"), "hammer", "foo"));
                        } catch (StatusRuntimeException e) {
                            codes.add(e.getStatus().getCode());
                        }
                    }
                    assertThat(codes)
                            .as("the refusals of six sends")
                            .filteredOn(c -> c == Status.Code.RESOURCE_EXHAUSTED)
                            .hasSize(4);
                    openStream(eve);
                    // eve signs in again: her older stream is replaced
                    try (WireSession eveAgain = WireSession.login("eve", keys("eve"), port)) {
                        secrets.add(eveAgain.loginResponse().getSessionToken());
                        openStream(eveAgain);
                        await().atMost(Duration.ofSeconds(20))
                                .until(() -> Files.readString(server.logFile()).contains("session replaced: eve"));
                    }
                }
                server.terminate();
            }
            log = Files.readString(server.logFile());
        }

        assertThat(log)
                .contains("login alice key " + aliceFingerprint + " from 127.0.0.1:")
                .contains("stream opened for alice from 127.0.0.1:")
                .contains("login refused for zed from 127.0.0.1:")
                .contains("NOT_FOUND 'zed' is not a user of this server")
                .contains("login refused for bob key " + impostorFingerprint + " from 127.0.0.1:")
                .contains("UNAUTHENTICATED the keys of 'bob' do not match")
                .contains("rate limit hit by alice on SendStream: Rate limit reached (2 per 30s)")
                .contains("session replaced: eve signed in again")
                .containsSubsequence(
                        "shutdown: health NOT_SERVING",
                        "shutdown: refusing new calls",
                        "stream closed for bob from 127.0.0.1:",
                        "stopped");
        assertThat(log.lines().filter(l -> l.contains("rate limit hit by eve")))
                .as("one line per user per window, however often the limit is hit")
                .hasSize(1);

        for (String user : List.of("alice", "bob", "eve")) {
            PublicIdentity id = WireSession.identity(keys(user)).publicIdentity();
            secrets.addAll(encodings(id.signingKey()));
            secrets.addAll(encodings(id.agreementKey()));
            for (String file : List.of("signing.key", "agreement.key")) {
                byte[] der = Files.readAllBytes(keys(user).resolve(file));
                secrets.addAll(encodings(Arrays.copyOfRange(der, der.length - 32, der.length)));
            }
        }
        for (String secret : secrets) {
            assertThat(log).as("the log holds no token, key or message text").doesNotContain(secret);
        }
    }

    @Test
    void jsonFormatWritesOneJsonObjectPerLine() throws Exception {
        try (ServerProcess server =
                new ServerProcess(dir.resolve("node"), ServerProcess.defaultConfig(), "--log-format", "json")) {
            try (WireSession alice = WireSession.login("alice", keys("alice"), server.port())) {
                assertThatThrownBy(() -> WireSession.login("zed", keys("zed"), server.port()))
                        .isInstanceOf(StatusRuntimeException.class);
            }
            server.terminate();
            List<String> lines = Files.readAllLines(server.logFile());
            assertThat(lines).isNotEmpty();
            List<JsonObject> records = lines.stream()
                    .map(l -> JsonParser.parseString(l).getAsJsonObject())
                    .toList();
            assertThat(records).allSatisfy(r -> assertThat(r.keySet()).contains("timestamp", "level", "loggerName"));
            assertThat(records)
                    .anySatisfy(r ->
                            assertThat(r.get("formattedMessage").getAsString()).startsWith("login alice key "))
                    .anySatisfy(r -> {
                        assertThat(r.get("level").getAsString()).isEqualTo("WARN");
                        assertThat(r.get("formattedMessage").getAsString()).startsWith("login refused for zed");
                    });
        }
    }

    private static void openStream(WireSession session) {
        session.asyncStub().receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<Event>() {
            @Override
            public void onNext(Event e) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
    }

    private static List<String> encodings(byte[] key) {
        return List.of(
                HexFormat.of().formatHex(key),
                Base64.getEncoder().withoutPadding().encodeToString(key),
                Base64.getUrlEncoder().withoutPadding().encodeToString(key));
    }
}
