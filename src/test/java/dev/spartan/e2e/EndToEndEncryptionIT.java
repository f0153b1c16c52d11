package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.spartan.client.ClientOptions;
import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.LoginProof;
import dev.spartan.crypto.Ratchet;
import dev.spartan.crypto.SafetyNumber;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChallengeRequest;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.LoginRequest;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsChannels;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.WireSession;
import dev.spartan.tls.Fingerprint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end encryption as a user and an attacker see it: real client processes, and for the attacks a real gRPC
 * session from the test JVM that sends what no honest client would. The node runs in the test's JVM, wired as {@code
 * spartan server} wires it, except where what the server writes (its log) is scanned: there it is a process.
 */
class EndToEndEncryptionIT extends OneNodeTest {
    private static final String RATE = "1000/1";
    private static final String NO_RATE_LIMIT = "\nrate_limit:\n  max_calls: 1000\n  window_seconds: 1\n";
    private static final String INTEGRITY_WARNING =
            "[Spartan] WARNING: a message the server says is from alice could not be decrypted";
    private static final String MOVED_WARNING =
            "[Spartan] WARNING: a message from alice was moved to another conversation or id by the server";
    private static final Pattern SAFETY =
            Pattern.compile("\\[Spartan\\] Safety number with (\\w+): ((?:\\d{5} ){11}\\d{5}) \\(compare .*\\)");

    @Test
    void theServerNeverSeesOrStoresThePlaintext() throws Exception {
        // A server process: what it writes to its log is scanned too.
        try (ServerProcess server =
                new ServerProcess(dir.resolve("process"), ServerProcess.defaultConfig(), "--rate-limit", RATE)) {
            String secret = "zebra-7f3a secret café";
            String reply = "okapi-91c2 réponse naïve";
            try (ClientProcess alice = new ClientProcess("alice", keys(), server.port());
                    ClientProcess bob = new ClientProcess("bob", keys(), server.port())) {
                Chats.open(alice, bob);
                alice.type(secret);
                bob.awaitLine("[alice] " + secret);
                bob.type(reply);
                alice.awaitLine("[bob] " + reply);
                // Quitting flushes the outbox and the acks, so the server has settled.
                assertThat(alice.quit()).isZero();
                assertThat(bob.quit()).isZero();
            }

            // What the server relays and keeps: log in as bob (his own key directory) and fetch the chat.
            ChatMessage fromAlice;
            try (WireSession bob = WireSession.login("bob", keys().resolve("bob"), server.port())) {
                fromAlice = bob.history(ChatIds.toUser("alice")).stream()
                        .filter(m -> m.getSender().equals("alice"))
                        .findFirst()
                        .orElseThrow();
                // One ciphertext, for bob: the sender is not a reader of its own message.
                assertThat(fromAlice.getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
                // bob's client decrypted it once and its message key is gone: his own key directory cannot open it
                // again.
                assertThatThrownBy(() -> bob.open(fromAlice))
                        .isInstanceOfSatisfying(
                                Ratchet.RatchetException.class,
                                e -> assertThat(e.fault()).isEqualTo(Ratchet.Fault.DUPLICATE));
            }
            byte[] body =
                    fromAlice.getSealed().getCiphertextsOrThrow("bob").getBody().toByteArray();
            assertThat(indexOf(body, secret.getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);

            // Every byte the server wrote: its store, its log, its config. None holds either plaintext, although the
            // store demonstrably holds the ciphertext (so the scan looks at the right bytes).
            List<Path> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(server.dataDir())) {
                walk.filter(Files::isRegularFile).forEach(files::add);
            }
            files.add(server.logFile());
            assertThat(files).anyMatch(f -> f.getFileName().toString().endsWith(".mv"));
            boolean ciphertextStored = false;
            for (Path f : files) {
                byte[] bytes = Files.readAllBytes(f);
                for (String plain : List.of(secret, reply, "zebra-7f3a", "okapi-91c2")) {
                    assertThat(indexOf(bytes, plain.getBytes(StandardCharsets.UTF_8)))
                            .as("%s must not contain \"%s\"", f, plain)
                            .isEqualTo(-1);
                }
                ciphertextStored |= indexOf(bytes, body) >= 0;
            }
            assertThat(ciphertextStored)
                    .as("the store holds alice's sealed body")
                    .isTrue();
        }
    }

    @Test
    void loginWithOtherKeysThanThePinnedOnesIsRefused() {
        // alice's first login pins her keys.
        try (WireSession first = WireSession.login("alice", keys().resolve("alice"), server.port())) {
            assertThat(first.loginResponse().getSessionToken()).isNotEmpty();
        }
        assertThatThrownBy(() -> WireSession.login("alice", Identity.generate(), server.port()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription())
                            .contains("the keys of 'alice' do not match the ones registered at first login");
                });
        // A login proof is good once: replaying alice's signed answer to a used challenge is refused, and so is a
        // valid signature presented with keys other than the ones it was made with.
        Identity aliceId = WireSession.identity(keys().resolve("alice"));
        ManagedChannel channel = TlsChannels.pinned(server.port(), ClientOptions.knownServers(keys().resolve("alice")));
        byte[] binding = Fingerprint.parse(server.fingerprint()).orElseThrow().bytes();
        try {
            AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            byte[] nonce = auth.challenge(
                            ChallengeRequest.newBuilder().setUser("alice").build())
                    .getNonce()
                    .toByteArray();
            LoginRequest proof = LoginRequest.newBuilder()
                    .setUser("alice")
                    .setNonce(ByteString.copyFrom(nonce))
                    .setSignature(ByteString.copyFrom(LoginProof.sign(aliceId, "alice", nonce, binding)))
                    .setKeys(WireSession.wire(aliceId))
                    .build();
            assertThat(auth.login(proof).getSessionToken()).isNotEmpty();
            assertThatThrownBy(() -> auth.login(proof)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).contains("challenge is unknown, used or expired");
            });
            byte[] nonce2 = auth.challenge(
                            ChallengeRequest.newBuilder().setUser("alice").build())
                    .getNonce()
                    .toByteArray();
            LoginRequest mismatched = LoginRequest.newBuilder()
                    .setUser("alice")
                    .setNonce(ByteString.copyFrom(nonce2))
                    .setSignature(ByteString.copyFrom(LoginProof.sign(Identity.generate(), "alice", nonce2, binding)))
                    .setKeys(WireSession.wire(aliceId))
                    .build();
            assertThatThrownBy(() -> auth.login(mismatched))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
            channel.shutdownNow();
        }

        // The original keys still work.
        try (WireSession again = WireSession.login("alice", keys().resolve("alice"), server.port())) {
            assertThat(again.loginResponse().getUsersList()).contains("alice", "bob");
        }

        try (ClientProcess impostor = new ClientProcess("alice", dir.resolve("other-keys"), server.port())) {
            assertThat(impostor.awaitExit()).isEqualTo(1);
            assertThat(impostor.out().lines())
                    .anyMatch(l -> l.startsWith("[Spartan] Login refused: the keys of 'alice' do not match"))
                    .noneMatch(l -> l.startsWith("[Spartan] Connected to Spartan Server"));
        }
    }

    /** alice is the test JVM (with her own key directory), bob a real client that accepted her request. */
    private WireSession aliceOnTheWireChattingWith(ClientProcess bob) {
        WireSession alice = WireSession.login("alice", keys().resolve("alice"), server.port());
        Chats.open(alice, bob);
        return alice;
    }

    /** bob's ciphertext with one bit of its last byte (the MAC) flipped. */
    private static Sealed flipBit(Sealed s) {
        Ciphertext c = s.getCiphertextsOrThrow("bob");
        byte[] body = c.getBody().toByteArray();
        body[body.length - 1] ^= 0x01;
        return s.toBuilder()
                .putCiphertexts(
                        "bob", c.toBuilder().setBody(ByteString.copyFrom(body)).build())
                .build();
    }

    private static void awaitCount(ClientProcess c, String prefix, long n) {
        await().alias(prefix + " x" + n + ":\n" + c.out().dump())
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> c.out().lines().stream()
                                .filter(l -> l.startsWith(prefix))
                                .count()
                        == n);
    }

    @Test
    void aTamperedMessageIsReportedAndTheChatGoesOn() throws Exception {
        try (ClientProcess bob = client("bob");
                WireSession alice = aliceOnTheWireChattingWith(bob)) {
            ChatRef toBob = ChatIds.toUser("bob");
            SendRequest honest = alice.encrypted(toBob, "tampered text", "bob");
            SendRequest tampered =
                    honest.toBuilder().setSealed(flipBit(honest.getSealed())).build();
            SendAck ack = alice.send(tampered);
            assertThat(ack.getHeld()).isFalse();
            assertThat(ack.getDuplicate()).isFalse();
            awaitCount(bob, INTEGRITY_WARNING, 1);

            // A ciphertext relabelled with the other libsignal type is caught too.
            SendRequest second = alice.encrypted(toBob, "tampered key", "bob");
            Ciphertext c = second.getSealed().getCiphertextsOrThrow("bob");
            alice.send(second.toBuilder()
                    .setSealed(second.getSealed().toBuilder()
                            .putCiphertexts(
                                    "bob",
                                    c.toBuilder().setType(5 - c.getType()).build()))
                    .build());
            awaitCount(bob, INTEGRITY_WARNING, 2);

            alice.send(alice.encrypted(toBob, "still here", "bob"));
            int warning = bob.out()
                    .lines()
                    .indexOf(bob.out().lines().stream()
                            .filter(l -> l.startsWith(INTEGRITY_WARNING))
                            .findFirst()
                            .orElseThrow());
            int after = bob.awaitLine("[alice] still here");
            assertThat(warning).isLessThan(after);
            assertThat(bob.out().lines()).noneMatch(l -> l.contains("tampered text") || l.contains("tampered key"));
            // The two that did not open are gaps in alice's numbering, and are reported as such.
            assertThat(bob.out().lines()).contains("[Spartan] 2 messages from alice are missing");
            assertThat(bob.isAlive()).isTrue();

            // bob's client still works both ways: his reply reaches alice and opens with her key.
            bob.type("and you?");
            Iterator<Event> events = alice.stub().receiveMsg(ReceiveRequest.getDefaultInstance());
            String replyText = null;
            while (replyText == null && events.hasNext()) {
                Event e = events.next();
                if (e.hasMessage() && e.getMessage().getSender().equals("bob")) {
                    replyText = alice.text(e.getMessage());
                }
            }
            assertThat(replyText).isEqualTo("and you?");
        }
    }

    @Test
    void aReplayIsStoredOnceAndAMovedCiphertextDoesNotOpen() throws Exception {
        try (ClientProcess bob = client("bob");
                WireSession alice = aliceOnTheWireChattingWith(bob)) {
            ChatRef toBob = ChatIds.toUser("bob");

            SendRequest once = alice.encrypted(toBob, "only once", "bob");
            SendAck first = alice.send(once);
            SendAck replay = alice.send(once);
            assertThat(first.getDuplicate()).isFalse();
            assertThat(replay.getDuplicate()).isTrue();
            assertThat(replay.getChatSeq()).isEqualTo(first.getChatSeq());

            bob.awaitLine("[alice] only once");
            // The same ciphertext under another message id: its message key is used up, so it is dropped unseen.
            alice.send(
                    once.toBuilder().setMessageId(UUID.randomUUID().toString()).build());

            // A fresh ciphertext sealed for one id, sent under another: the id inside the encryption gives it away.
            String sealedId = UUID.randomUUID().toString();
            alice.send(SendRequest.newBuilder()
                    .setMessageId(UUID.randomUUID().toString())
                    .setTo(toBob)
                    .setSealed(alice.seal(
                            WireSession.plaintext(toBob, sealedId, "moved id", 2)
                                    .toByteArray(),
                            "bob"))
                    .build());
            awaitCount(bob, MOVED_WARNING, 1);

            // Sealed for another conversation (group1), relabelled as a 1:1 message to bob: caught the same way.
            String id = UUID.randomUUID().toString();
            alice.send(SendRequest.newBuilder()
                    .setMessageId(id)
                    .setTo(toBob)
                    .setSealed(alice.seal(
                            WireSession.plaintext(ChatIds.toGroup("group1"), id, "meant for group1", 3)
                                    .toByteArray(),
                            "bob"))
                    .build());
            awaitCount(bob, MOVED_WARNING, 2);

            alice.send(alice.encrypted(toBob, "marker", "bob"));
            bob.awaitLine("[alice] marker");
            assertThat(bob.out().count("[alice] only once")).isEqualTo(1);
            assertThat(bob.out().lines())
                    .noneMatch(l -> l.startsWith(INTEGRITY_WARNING) || l.contains("missing") || l.contains("moved id"));
            assertThat(bob.out().lines()).noneMatch(l -> l.contains("meant for group1"));

            // The server kept one copy of the replayed message.
            assertThat(alice.history(toBob))
                    .filteredOn(m -> m.getMessageId().equals(once.getMessageId()))
                    .hasSize(1);
        }
    }

    private static String safetyNumber(ClientProcess c, String peer, int occurrence) {
        await().alias("safety number x" + occurrence + ":\n" + c.out().dump())
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> safetyNumbers(c, peer).size() >= occurrence);
        return safetyNumbers(c, peer).get(occurrence - 1);
    }

    private static List<String> safetyNumbers(ClientProcess c, String peer) {
        List<String> out = new ArrayList<>();
        for (String l : c.out().lines()) {
            Matcher m = SAFETY.matcher(l);
            if (m.matches() && m.group(1).equals(peer)) {
                out.add(m.group(2));
            }
        }
        return out;
    }

    @Test
    void aChangedKeyHoldsMessagesUntilTrustedAndChangesTheSafetyNumber() throws Exception {
        String before;
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob")) {
            Chats.open(alice, bob);
            alice.type("hello old bob");
            bob.awaitLine("[alice] hello old bob");
            alice.type("/verify bob");
            bob.type("/verify alice");
            before = safetyNumber(alice, "bob", 1);
            assertThat(safetyNumber(bob, "alice", 1)).isEqualTo(before);
            assertThat(before)
                    .isEqualTo(SafetyNumber.of(
                            "alice",
                            WireSession.identity(keys().resolve("alice"))
                                    .signalIdentity()
                                    .getPublicKey(),
                            "bob",
                            WireSession.identity(keys().resolve("bob"))
                                    .signalIdentity()
                                    .getPublicKey()));
            assertThat(alice.quit()).isZero();
            assertThat(bob.quit()).isZero();
        }

        // A new server (fresh store, same port), and bob with a new identity: to alice it looks exactly like a
        // server handing out someone else's key for bob.
        int port = server.port();
        server.close();
        server.shareCertificateWith(dir.resolve("server2")); // same server identity, fresh store
        server = new TlsNode(dir.resolve("server2"), ServerProcess.defaultConfig() + NO_RATE_LIMIT, port);
        Path newKeys = dir.resolve("keys2");
        try (ClientProcess bob = new ClientProcess("bob", newKeys, port);
                ClientProcess alice = client("alice")) {
            bob.out().awaitRaw(ENTER_USER);
            alice.out().awaitRaw(ENTER_USER);
            alice.type("bob");
            alice.awaitLine("[Spartan] You are now ready to chat with bob.");
            alice.out()
                    .awaitLine("[Spartan] WARNING: bob's identity key has changed. Messages to bob are on hold."
                            + " Compare safety numbers with /verify bob, then accept the new key with /trust bob.");
            bob.out()
                    .awaitRaw(
                            "[Spartan] alice is requesting to chat with you. Enter 'yes' to accept or different user: ");
            bob.type("yes");
            bob.awaitLine("[Spartan] You are now ready to chat with alice.");
            alice.awaitLine("[Spartan] bob accepted your chat request.");

            alice.type("are you really bob?");
            alice.awaitLine("[Spartan] Messages to bob are on hold: their key changed (see /verify bob).");
            alice.type("/verify bob");
            bob.type("/verify alice");
            String after = safetyNumber(alice, "bob", 1);
            assertThat(after).isNotEqualTo(before);
            assertThat(safetyNumber(bob, "alice", 1)).isEqualTo(after);
            // Nothing reached bob while the key was not trusted.
            assertThat(bob.out().lines()).noneMatch(l -> l.contains("are you really bob?"));

            alice.type("/trust bob");
            alice.awaitLine("[Spartan] You now trust bob's new key. Held messages will be sent.");
            bob.awaitLine("[alice] are you really bob?");
            assertThat(bob.out().count("[alice] are you really bob?")).isEqualTo(1);
            bob.type("yes, new phone");
            alice.awaitLine("[bob] yes, new phone");
            // The new key is pinned now: a second /trust has nothing to do.
            alice.type("/trust bob");
            alice.awaitLine("[Spartan] bob's key has not changed; nothing to trust.");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
