package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.spartan.backend.EmbeddedBackend;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.server.ServerTransport;
import dev.spartan.server.SpartanServer;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.testing.Ports;
import dev.spartan.testing.WireSession;
import dev.spartan.tls.ClientTls;
import dev.spartan.tls.ServerCertificate;
import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's connection and outbox against a real server on a real port that is stopped and started again on the
 * same port and data directory, as an operator restarting a node would.
 */
class ReconnectTest {
    private static final Outbox.Listener QUIET_OUTBOX = new Outbox.Listener() {
        @Override
        public void state(Outbox.Pending message, SendState state) {}

        @Override
        public void notice(String text) {}
    };

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
    private final Identity aliceKeys = Identity.generate();
    private final Identity bobKeys = Identity.generate();
    private final Identity charlieKeys = Identity.generate();
    private SpartanConfig config;
    private SpartanServer server;
    private EmbeddedStore store;

    @BeforeEach
    void start() throws Exception {
        config = ConfigLoader.load(Path.of("config.yaml"))
                .withPort(Ports.free())
                .withRateLimit(1000, Duration.ofSeconds(1));
        config = config.withOperations(config.operations().withDrain(Duration.ZERO)); // nothing to move away
        startServer();
    }

    @AfterEach
    void stop() {
        background.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    private void startServer() throws Exception {
        store = EmbeddedStore.open(dir.resolve("data"));
        // The same certificate after a restart, as a real node keeps it in its data directory.
        ServerTransport transport =
                ServerTransport.tls(ServerCertificate.loadOrCreate(dir.resolve("data"), Clock.systemUTC()), null);
        server = new SpartanServer(
                        config,
                        new EmbeddedBackend(store),
                        Grpc.newServerBuilderForPort(config.port(), transport.credentials()),
                        transport,
                        Clock.systemUTC())
                .start();
    }

    private void restartServer() throws Exception {
        server.close();
        server = null;
        startServer();
    }

    private String target() {
        return "localhost:" + config.port();
    }

    /**
     * {@code creator}, logged in afresh (tokens do not outlive a server), invites alice to a group: one event for
     * her. One creator invites a stranger to one group at a time.
     */
    private void createGroupWithAlice(String creator, Identity keys, String name) {
        try (WireSession session = WireSession.login(creator, keys, config.port())) {
            session.createGroup(name, "alice");
        }
    }

    @Test
    void theStreamResumesAfterItsLastSeqWhenTheServerComesBack() throws Exception {
        List<Event> events = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        AtomicLong lastSeq = new AtomicLong();
        AtomicInteger reconnects = new AtomicInteger();
        Connection connection = new Connection(
                List.of(target()),
                ClientTls.pinning(dir.resolve("known_servers")),
                background,
                channel -> Login.perform(channel, "alice", aliceKeys),
                event -> {
                    events.add(event);
                    if (event.getSeq() > 0) {
                        lastSeq.set(event.getSeq());
                    }
                },
                new ClientListener() {
                    @Override
                    public void notice(String text) {
                        notices.add(text);
                    }
                });
        connection.resumeAfter(lastSeq::get, () -> "");
        connection.onReconnected(reconnects::incrementAndGet);
        try {
            connection.open();
            createGroupWithAlice("bob", bobKeys, "before");
            await().atMost(PATIENCE).until(() -> lastSeq.get() == 1);

            restartServer(); // alice never acked seq 1: only her resume point keeps it from coming again
            await().atMost(PATIENCE).until(() -> reconnects.get() == 1);
            createGroupWithAlice("charlie", charlieKeys, "after");
            await().atMost(PATIENCE).until(() -> lastSeq.get() == 2);

            assertThat(events.stream().filter(e -> e.getSeq() > 0))
                    .extracting(e -> e.getGroupChanged().getGroup().getName())
                    .containsExactly("before", "after");
            assertThat(events.stream().filter(Event::hasCaughtUp))
                    .as("one per stream")
                    .hasSize(2);
            assertThat(notices).containsSubsequence("Connection lost, reconnecting...", "Reconnected.");
            assertThat(connection.isUp()).isTrue();
        } finally {
            connection.close();
        }
    }

    /** A send of alice's to bob in the shape ChatClient's transport makes (the server checks shape, not crypto). */
    private SendRequest sealedForBob(Outbox.Pending pending) {
        return SendRequest.newBuilder()
                .setMessageId(pending.messageId())
                .setTo(pending.to())
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts(
                                "bob",
                                Ciphertext.newBuilder()
                                        .setType(2)
                                        .setBody(ByteString.copyFromUtf8(pending.text()))
                                        .build()))
                .build();
    }

    private List<String> storedIds() {
        return store.history(ChatIds.direct("alice", "bob"), 0, 1000).stream()
                .map(ChatMessage::getMessageId)
                .toList();
    }

    @Test
    void messagesQueuedWhileTheServerIsDownAreSentWhenItReturnsInOrderWithTheirIdsAndStoredOnce() throws Exception {
        try (WireSession bob = WireSession.login("bob", bobKeys, config.port())) {
            bob.stub().requestChat(ChatRequest.newBuilder().setPeer("alice").build());
        }
        // Wired as ChatClient wires them: a failed send reports the connection lost; a reconnect resumes the outbox.
        List<String> attempts = new CopyOnWriteArrayList<>();
        List<Status.Code> failures = new CopyOnWriteArrayList<>();
        Connection[] connection = new Connection[1];
        Outbox outbox = new Outbox(
                pending -> {
                    attempts.add(pending.messageId());
                    try {
                        return connection[0].stub().sendMsg(sealedForBob(pending));
                    } catch (StatusRuntimeException e) {
                        failures.add(e.getStatus().getCode());
                        throw e;
                    }
                },
                background,
                Spool.none(),
                QUIET_OUTBOX,
                () -> connection[0].lost());
        connection[0] = new Connection(
                List.of(target()),
                ClientTls.pinning(dir.resolve("known_servers")),
                background,
                channel -> Login.perform(channel, "alice", aliceKeys),
                event -> {},
                new ClientListener() {});
        connection[0].onReconnected(outbox::resume);
        try {
            connection[0].open();
            connection[0]
                    .stub()
                    .answerChat(ChatAnswer.newBuilder()
                            .setPeer("bob")
                            .setAccept(true)
                            .build());
            outbox.submit(new Outbox.Pending("m-before", ChatIds.toUser("bob"), "before", 0));
            await().atMost(PATIENCE).until(() -> outbox.size() == 0);

            server.close();
            server = null;
            outbox.submit(new Outbox.Pending("m-down-1", ChatIds.toUser("bob"), "while down 1", 0));
            outbox.submit(new Outbox.Pending("m-down-2", ChatIds.toUser("bob"), "while down 2", 0));
            await().atMost(PATIENCE).until(() -> failures.contains(Status.Code.UNAVAILABLE));
            assertThat(outbox.size()).as("both wait for the server").isEqualTo(2);
            startServer();

            await().atMost(PATIENCE).until(() -> outbox.size() == 0);
            assertThat(attempts).containsSubsequence("m-before", "m-down-1", "m-down-1", "m-down-2");
            assertThat(attempts)
                    .as("m-down-2 never went before m-down-1 was stored")
                    .filteredOn("m-down-2"::equals)
                    .hasSize(1);
            assertThat(storedIds()).containsExactly("m-before", "m-down-1", "m-down-2");
            assertThat(store.eventsAfter("bob", 0, 100))
                    .filteredOn(Event::hasMessage)
                    .extracting(e -> e.getMessage().getMessageId())
                    .containsExactly("m-before", "m-down-1", "m-down-2");
        } finally {
            connection[0].close();
        }
    }

    @Test
    void aSendWhoseReplyIsLostIsSentAgainWithTheSameIdAndStoredOnce() throws Exception {
        try (WireSession alice = WireSession.login("alice", aliceKeys, config.port());
                WireSession bob = WireSession.login("bob", bobKeys, config.port())) {
            alice.stub().requestChat(ChatRequest.newBuilder().setPeer("bob").build());
            bob.stub()
                    .answerChat(ChatAnswer.newBuilder()
                            .setPeer("alice")
                            .setAccept(true)
                            .build());
            List<SendAck> acks = new CopyOnWriteArrayList<>();
            List<String> attempts = new CopyOnWriteArrayList<>();
            Outbox[] outbox = new Outbox[1];
            outbox[0] = new Outbox(
                    pending -> {
                        attempts.add(pending.messageId());
                        SendAck ack = alice.stub().sendMsg(sealedForBob(pending));
                        acks.add(ack);
                        if (attempts.size() == 1) {
                            // Stored by the server, but the answer never reaches the client.
                            throw Status.UNAVAILABLE
                                    .withDescription("reply lost")
                                    .asRuntimeException();
                        }
                        return ack;
                    },
                    background,
                    Spool.none(),
                    QUIET_OUTBOX,
                    () -> outbox[0].resume()); // the connection is back at once
            outbox[0].submit(new Outbox.Pending("m-1", ChatIds.toUser("bob"), "once", 0));
            await().atMost(PATIENCE).until(() -> acks.size() == 2 && outbox[0].size() == 0);

            assertThat(attempts).containsExactly("m-1", "m-1");
            assertThat(acks.get(0).getDuplicate()).isFalse();
            assertThat(acks.get(1).getDuplicate()).isTrue();
            assertThat(acks.get(1).getChatSeq()).isEqualTo(acks.get(0).getChatSeq());
            assertThat(storedIds()).containsExactly("m-1");
            assertThat(store.eventsAfter("bob", 0, 100))
                    .filteredOn(Event::hasMessage)
                    .extracting(e -> e.getMessage().getMessageId())
                    .containsExactly("m-1");
        }
    }
}
