package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.AckRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SendResult;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsChannels;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SendStream over TLS: many messages in flight arrive once each and in order (on a node in the test's JVM, wired as
 * {@code spartan server} wires it); the rate limit refuses single messages on the stream, which stays open; a client
 * that overruns its window is cut off (on a server process, whose log says so).
 */
class SendStreamIT {
    private static final String CONFIG = """
            port: 3000
            max_num_messages_per_user: 5
            max_call_per_30_seconds_per_user: 1000000
            users: [alice,bob,carol,dave,erin,frank]
            send_window: %d
            """;

    @TempDir
    static Path dir;

    /** No practical rate limit, a window of 64. */
    private static TlsNode bulk;
    /** 3 messages per 2 s, a window of 8. */
    private static ServerProcess limited;

    @BeforeAll
    static void start() throws Exception {
        bulk = new TlsNode(dir.resolve("bulk"), CONFIG.formatted(64));
        limited = new ServerProcess(dir.resolve("limited"), CONFIG.formatted(8), "--rate-limit", "3/2");
    }

    @AfterAll
    static void stop() {
        bulk.close();
        limited.close();
    }

    @Test
    void twoThousandMessagesInFlightArriveOnceEachInOrder() throws Exception {
        try (WireSession alice = login("bulk", bulk.port(), "alice");
                WireSession bob = login("bulk", bulk.port(), "bob")) {
            assertThat(alice.loginResponse().getSendWindow()).isEqualTo(64);
            Chats.open(alice, bob);
            List<String> received = receive(bob);
            Sealed sealed = alice.message(ChatIds.toUser("bob"), "hi", "bob").getSealed();

            Sender sender = new Sender(alice, 64);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                String id = "m" + i;
                ids.add(id);
                sender.send(request(id, "bob", sealed));
            }
            List<SendResult> results = sender.finish();

            assertThat(results).extracting(SendResult::getMessageId).containsExactlyElementsOf(ids);
            assertThat(results).allSatisfy(r -> assertThat(r.hasAck()).isTrue());
            assertThat(results)
                    .extracting(r -> r.getAck().getChatSeq())
                    .as("stored in the order sent")
                    .isSorted()
                    .doesNotHaveDuplicates();
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 2000);
            assertThat(received).containsExactlyElementsOf(ids);

            // The same ids again: each answered as a duplicate, nothing delivered twice.
            Sender again = new Sender(alice, 64);
            for (String id : ids.subList(0, 100)) {
                again.send(request(id, "bob", sealed));
            }
            assertThat(again.finish())
                    .allSatisfy(r -> assertThat(r.getAck().getDuplicate()).isTrue());
            assertThat(received).hasSize(2000);
        }
    }

    @Test
    void theRateLimitRefusesSingleMessagesAndTheStreamStaysOpen() throws Exception {
        try (WireSession carol = login("limited", limited.port(), "carol");
                WireSession dave = login("limited", limited.port(), "dave")) {
            Chats.open(carol, dave);
            List<String> received = receive(dave);
            Sealed sealed = carol.message(ChatIds.toUser("dave"), "hi", "dave").getSealed();
            // The chat took no messages from the limit, so 3 go through, then the 4th is refused and the 5th is
            // answered the same way, unstored, until the 4th comes again.
            Sender sender = new Sender(carol, 8);
            for (int i = 1; i <= 5; i++) {
                sender.send(request("r" + i, "dave", sealed));
            }
            List<SendResult> first = sender.results(5);
            assertThat(first.subList(0, 3))
                    .allSatisfy(r -> assertThat(r.hasAck()).isTrue());
            for (SendResult r : first.subList(3, 5)) {
                assertThat(r.hasRefused()).isTrue();
                assertThat(r.getRefused().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
                assertThat(r.getRefused().getDescription()).isEqualTo("Rate limit reached (3 per 2s)");
                assertThat(r.getRefused().getRetryDelay().getSeconds() * 1000
                                + r.getRefused().getRetryDelay().getNanos() / 1_000_000)
                        .isBetween(1L, 2000L);
            }
            // The 5th, sent again first, is still refused: the stream waits for the 4th.
            sender.send(request("r5", "dave", sealed));
            assertThat(sender.results(6).get(5).hasRefused()).isTrue();

            com.google.protobuf.Duration delay = first.get(3).getRefused().getRetryDelay();
            // Waiting the delay the server named is the behaviour under test; the margin lets the two other
            // messages of the first burst leave the window too.
            Thread.sleep(delay.getSeconds() * 1000 + delay.getNanos() / 1_000_000 + 500);
            sender.send(request("r4", "dave", sealed));
            sender.send(request("r5", "dave", sealed));
            List<SendResult> all = sender.finish();
            assertThat(all.subList(6, 8)).allSatisfy(r -> assertThat(r.hasAck()).isTrue());
            await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= 5);
            assertThat(received).containsExactly("r1", "r2", "r3", "r4", "r5");
        }
    }

    /**
     * The client reads no answer until the server has cut the stream (its log says so). Reading earlier would race
     * with the server: on a loaded machine the server may not yet have answers piling up when the client starts
     * reading, and then it answers all 5,000 within the window and never cuts.
     */
    @Test
    void aClientThatOverrunsItsWindowIsCutOff() throws Exception {
        try (WireSession erin = WireSession.login(
                "erin",
                WireSession.identity(dir.resolve("keys-limited").resolve("erin")),
                TlsChannels.narrow(limited.port(), 1024))) {
            CompletableFuture<Status> closed = new CompletableFuture<>();
            List<SendResult> results = new CopyOnWriteArrayList<>();
            AtomicReference<ClientCallStreamObserver<SendRequest>> call = new AtomicReference<>();
            StreamObserver<SendRequest> out = erin.asyncStub()
                    .sendStream(new ClientResponseObserver<SendRequest, SendResult>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<SendRequest> requests) {
                            requests.disableAutoRequestWithInitial(0); // reads no answer until told
                            call.set(requests);
                        }

                        @Override
                        public void onNext(SendResult value) {
                            results.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            closed.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            closed.complete(Status.OK);
                        }
                    });
            // Empty messages: each refused at once, but the answers pile up on the server once this client stops
            // taking them, and then the ninth unanswered message is one too many.
            for (int i = 0; i < 5000; i++) {
                out.onNext(SendRequest.newBuilder()
                        .setMessageId("w" + i)
                        .setTo(ChatIds.toUser("frank"))
                        .build());
            }
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> limited.log().contains("SendStream of erin closed: more than 8 messages unanswered"));
            assertThat(results).as("nothing read before the cut").isEmpty();
            call.get().request(Integer.MAX_VALUE);
            Status status = closed.get(60, TimeUnit.SECONDS);
            assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getDescription()).contains("more than 8 messages").contains("send_window");
            assertThat(results).isNotEmpty().hasSizeLessThan(5000);
        }
    }

    /** A SendStream client that keeps at most {@code window} messages unanswered, as the protocol asks. */
    private static final class Sender {
        private final Semaphore window;
        private final List<SendResult> results = Collections.synchronizedList(new ArrayList<>());
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final StreamObserver<SendRequest> out;

        Sender(WireSession session, int window) {
            this.window = new Semaphore(window);
            this.out = session.asyncStub().sendStream(new StreamObserver<>() {
                @Override
                public void onNext(SendResult value) {
                    results.add(value);
                    Sender.this.window.release();
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    done.complete(null);
                }
            });
        }

        void send(SendRequest request) throws InterruptedException {
            assertThat(window.tryAcquire(30, TimeUnit.SECONDS))
                    .as("an answer within 30 s")
                    .isTrue();
            synchronized (this) {
                out.onNext(request);
            }
        }

        List<SendResult> results(int count) {
            await().atMost(Duration.ofSeconds(30)).until(() -> results.size() >= count);
            return List.copyOf(results);
        }

        List<SendResult> finish() throws Exception {
            synchronized (this) {
                out.onCompleted();
            }
            done.get(60, TimeUnit.SECONDS);
            return List.copyOf(results);
        }
    }

    private static SendRequest request(String id, String to, Sealed sealed) {
        return SendRequest.newBuilder()
                .setMessageId(id)
                .setTo(ChatIds.toUser(to))
                .setSealed(sealed)
                .build();
    }

    /** The message ids the user's push stream delivers, in order; acknowledged as they come. */
    private static List<String> receive(WireSession user) {
        List<String> ids = new CopyOnWriteArrayList<>();
        user.asyncStub().receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(Event e) {
                if (e.hasMessage()) {
                    ids.add(e.getMessage().getMessageId());
                    if (ids.size() % 100 == 0) {
                        user.stub()
                                .ack(AckRequest.newBuilder().setSeq(e.getSeq()).build());
                    }
                }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
        return ids;
    }

    private static WireSession login(String node, int port, String user) {
        return WireSession.login(user, dir.resolve("keys-" + node).resolve(user), port);
    }
}
