package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.CompleteLinkRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.LinkEvent;
import dev.spartan.proto.LinkGrpc;
import dev.spartan.proto.OpenLinkRequest;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.testing.Ports;
import dev.spartan.testing.RedisClusterProcesses;
import dev.spartan.testing.RedisServerProcess;
import dev.spartan.testing.Scrape;
import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.TlsNode;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.ecc.ECKeyPair;

/**
 * Two nodes in the test's JVM on a real Redis Cluster of 3 primaries and 3 replicas (six redis-server processes):
 * 1:1, group and the shared rate limit work as on one Redis, and the kill -9 of the primary that holds a busy
 * reader's inbox mid-burst loses no acknowledged message and doubles none.
 */
class RedisClusterIT {

    @TempDir
    Path dir;

    @Test
    void twoNodesOnAClusterChatLimitAndSurviveAPrimarysDeath() throws Exception {
        try (RedisClusterProcesses redis = new RedisClusterProcesses(dir.resolve("redis"), 3)) {
            int metrics1 = Ports.free();
            int metrics2 = Ports.free();
            String config = ServerProcess.defaultConfig() + "\nredis: " + redis.uri()
                    + "\nrate_limit:\n  max_calls: 100000\n  window_seconds: 1\n"
                    + "limits:\n  history_calls_per_minute: 5\n";
            Path keys = dir.resolve("keys");
            // The two nodes start side by side: each waits mostly on its own connections to the cluster.
            java.util.concurrent.CompletableFuture<TlsNode> second =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return new TlsNode(dir.resolve("n2"), config + "metrics_port: " + metrics2 + "\n");
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
            try (TlsNode node1 = new TlsNode(dir.resolve("n1"), config + "metrics_port: " + metrics1 + "\n");
                    TlsNode node2 = second.join();
                    WireSession alice = WireSession.login("alice", keys.resolve("alice"), node1.port());
                    WireSession bob = WireSession.login("bob", keys.resolve("bob"), node2.port());
                    WireSession charlie = WireSession.login("charlie", keys.resolve("charlie"), node2.port())) {
                // 1:1 across nodes (alice's conversation and bob's inbox are in slots of their own).
                alice.chatWith(bob);
                alice.sendTo("bob", "hello across the cluster");
                assertThat(texts(until(bob, "hello across the cluster"), "bob"))
                        .containsExactly("hello across the cluster");

                // A group: one send, each reader's inbox written in that reader's slot.
                alice.chatWith(charlie);
                alice.createGroup("g1", "bob", "charlie"); // both have accepted alice: members at once
                alice.send(alice.message(ChatIds.toGroup("g1"), "hello group", "bob", "charlie"));
                assertThat(texts(until(charlie, "hello group"), "charlie")).contains("hello group");

                eventsGoOnlyToTheReadersNode(alice, bob, charlie, metrics1, metrics2);
                aLinkAnsweredOnAnotherNodeReachesTheNewDevice(alice.channel(), bob);

                // The rate limit is one across nodes: 5 history calls a minute, whichever node takes them.
                int admitted = 0;
                for (TlsNode node : List.of(node1, node2)) {
                    try (WireSession eve = WireSession.login("eve", keys.resolve("eve"), node.port())) {
                        for (int i = 0; i < 4; i++) {
                            try {
                                eve.history(ChatIds.toUser("bob"));
                                admitted++;
                            } catch (StatusRuntimeException e) {
                                if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
                                    admitted++; // past the limit, refused for another reason
                                }
                            }
                        }
                    }
                }
                assertThat(admitted).isEqualTo(5);

                failoverMidBurst(redis, alice, bob);
                // Health follows the cluster: SERVING again on both nodes once every slot has its primary.
                for (int port : List.of(metrics1, metrics2)) {
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(10))
                            .until(() -> Scrape.of(port)
                                            .value("spartan_store_available")
                                            .orElse(0)
                                    == 1);
                }
            }
        }
    }

    /**
     * A new device of bob's waits on node1 (it has no presence entry to route by); bob answers on node2: the answer
     * still reaches the waiting stream. The device then logs in on node1 as bob#2; bob unlinks it on node2, and its
     * stream on node1 ends within a second.
     */
    private static void aLinkAnsweredOnAnotherNodeReachesTheNewDevice(io.grpc.Channel node1, WireSession bob)
            throws Exception {
        java.util.concurrent.BlockingQueue<LinkEvent> events = new java.util.concurrent.LinkedBlockingQueue<>();
        ECKeyPair deviceKey = ECKeyPair.generate();
        LinkGrpc.newStub(node1)
                .openLink(
                        OpenLinkRequest.newBuilder()
                                .setUser("bob")
                                .setDeviceKey(com.google.protobuf.ByteString.copyFrom(
                                        deviceKey.getPublicKey().serialize()))
                                .setDeviceName("laptop")
                                .build(),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(LinkEvent value) {
                                events.add(value);
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {}
                        });
        LinkEvent opened = events.poll(20, TimeUnit.SECONDS);
        assertThat(opened).isNotNull();
        int id = LinkGrpc.newBlockingStub(bob.authorizedChannel())
                .completeLink(CompleteLinkRequest.newBuilder()
                        .setSlot(opened.getOpened().getSlot())
                        .setSealedBundle(com.google.protobuf.ByteString.copyFrom(new byte[] {1}))
                        .build())
                .getDeviceId();
        LinkEvent completed = events.poll(20, TimeUnit.SECONDS);
        assertThat(completed)
                .as("the answer from node2 reached the wait on node1")
                .isNotNull();
        assertThat(completed.getCompleted().getDeviceId()).isEqualTo(id);

        String address = "bob#" + id;
        String token = dev.spartan.client.Login.perform(
                        node1,
                        address,
                        bob.identity(),
                        "",
                        (nonce, binding) -> deviceKey
                                .getPrivateKey()
                                .calculateSignature(
                                        dev.spartan.crypto.LoginProof.challengeBytes(address, nonce, binding)))
                .getSessionToken();
        java.util.concurrent.CompletableFuture<Status> ended = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        SpartanGrpc.newStub(node1)
                .withInterceptors(dev.spartan.client.Login.bearer(token))
                .receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(Event value) {
                        started.countDown();
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
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        LinkGrpc.newBlockingStub(bob.authorizedChannel())
                .unlinkDevice(dev.spartan.proto.UnlinkDeviceRequest.newBuilder()
                        .setDeviceId(id)
                        .build());
        Status end = ended.get(1, TimeUnit.SECONDS); // unlinked on node2, dead on node1 within a second
        assertThat(end.getDescription())
                .isEqualTo("this device (" + address + ") was unlinked from its account;" + " this session is closed");
    }

    /**
     * alice sends bob a burst; after a third of it the primary holding bob's inbox is killed (SIGKILL). A send that
     * fails is resent as it was (same message id) until it is acknowledged, as the client's outbox does. The killed
     * process is restarted as a supervisor would: it rejoins as the replica of the promoted one, so that writes to
     * that slot again have the replica {@code redis_replicas_to_ack} asks for.
     */
    private static void failoverMidBurst(RedisClusterProcesses redis, WireSession alice, WireSession bob) {
        int burst = 60;
        List<String> acknowledged = new ArrayList<>();
        long unavailableNanos = 0;
        RedisServerProcess victim = null;
        for (int i = 0; i < burst; i++) {
            String text = "burst " + i;
            SendRequest request = alice.message(ChatIds.toUser("bob"), text, "bob");
            long firstFailure = 0;
            while (true) {
                try {
                    alice.send(request);
                    break;
                } catch (StatusRuntimeException e) {
                    // What a client resends on: the store unavailable, or no answer in time while the slot moves.
                    assertThat(e.getStatus().getCode())
                            .as(e.getStatus().toString())
                            .isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
                    if (firstFailure == 0) {
                        firstFailure = System.nanoTime();
                    }
                    if (victim != null && !victim.isRunning() && redis.allSlotsServed()) {
                        victim.restart(); // back as the promoted primary's replica
                    }
                    assertThat(System.nanoTime() - firstFailure).isLessThan(30_000_000_000L);
                }
            }
            if (firstFailure != 0) {
                unavailableNanos += System.nanoTime() - firstFailure;
            }
            acknowledged.add(text);
            if (i == burst / 3) {
                victim = redis.primaryOf("sp:inbox:{u:bob}");
                victim.stop(); // SIGKILL
            }
        }
        if (!victim.isRunning()) {
            victim.restart();
        }
        List<Event> events = until(bob, "burst " + (burst - 1));
        List<String> delivered = texts(events, "bob").stream()
                .filter(t -> t.startsWith("burst "))
                .toList();
        Map<String, Integer> times = new HashMap<>();
        delivered.forEach(t -> times.merge(t, 1, Integer::sum));
        long lost = acknowledged.stream().filter(t -> !times.containsKey(t)).count();
        long doubled = times.values().stream().filter(n -> n > 1).count();
        System.out.printf(
                "acknowledged %d, delivered %d, lost %d, doubled %d, unavailable %.1f s%n",
                acknowledged.size(), delivered.size(), lost, doubled, unavailableNanos / 1e9);
        assertThat(lost).isZero();
        assertThat(doubled).isZero();
        assertThat(delivered).containsExactlyElementsOf(acknowledged); // in order
        long last = 0;
        for (Event e : events) {
            if (e.hasMessage() && e.getMessage().getChat().hasUser()) { // the 1:1 conversation
                assertThat(e.getMessage().getChatSeq()).isGreaterThan(last);
                last = e.getMessage().getChatSeq();
            }
        }
    }

    /**
     * bob's stream is open on node2. alice (node1) writes to him: node2 hears of it on its own channel. charlie
     * (node2) writes to the group of alice (no stream open) and bob: node1 hears nothing, where a broadcast bus
     * would have told it of every message.
     */
    private static void eventsGoOnlyToTheReadersNode(
            WireSession alice, WireSession bob, WireSession charlie, int metrics1, int metrics2) {
        List<Event> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.grpc.Context.CancellableContext stream = io.grpc.Context.current().withCancellation();
        stream.run(() -> bob.asyncStub().receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(Event e) {
                seen.add(e);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        }));
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> seen.stream().anyMatch(e -> e.hasCaughtUp()));
            double before1 = busReceived(metrics1);
            double before2 = busReceived(metrics2);
            int messages = 10;
            for (int i = 0; i < messages; i++) {
                alice.sendTo("bob", "live " + i);
                charlie.send(charlie.message(ChatIds.toGroup("g1"), "group " + i, "alice", "bob"));
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> texts(seen, "bob")
                            .containsAll(List.of("live " + (messages - 1), "group " + (messages - 1))));
            double node1 = busReceived(metrics1) - before1;
            double node2 = busReceived(metrics2) - before2;
            System.out.printf(
                    "bus messages received per delivered message: node1 %.2f, node2 %.2f (%d delivered to bob)%n",
                    node1 / (2.0 * messages), node2 / (2.0 * messages), 2 * messages);
            assertThat(node1).isZero(); // nothing for node1's users: alice has no stream
            assertThat(node2).isBetween(1.0, (double) messages); // alice's sends to bob, coalesced or not
        } finally {
            stream.cancel(null);
        }
    }

    private static double busReceived(int metricsPort) {
        return Scrape.of(metricsPort)
                .value("spartan_bus_messages_received_total")
                .orElseThrow();
    }

    /** The events of a new stream of {@code reader}'s, from its oldest unacknowledged, until a message with text. */
    private static List<Event> until(WireSession reader, String text) {
        List<Event> out = new ArrayList<>();
        io.grpc.Context.CancellableContext scope = io.grpc.Context.current().withCancellation();
        try {
            scope.run(() -> {
                Iterator<Event> it = SpartanGrpc.newBlockingStub(reader.authorizedChannel())
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .receiveMsg(ReceiveRequest.getDefaultInstance());
                while (it.hasNext()) {
                    Event e = it.next();
                    out.add(e);
                    if (e.hasMessage()
                            && WireSession.opaqueText(e.getMessage(), reader.user())
                                    .equals(text)) {
                        return;
                    }
                }
            });
        } finally {
            scope.cancel(null);
        }
        return out;
    }

    private static List<String> texts(List<Event> events, String reader) {
        List<String> out = new ArrayList<>();
        for (Event e : events) {
            if (e.hasMessage()) {
                ChatMessage m = e.getMessage();
                out.add(WireSession.opaqueText(m, reader));
            }
        }
        return out;
    }
}
