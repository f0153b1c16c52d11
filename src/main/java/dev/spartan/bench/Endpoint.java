package dev.spartan.bench;

import dev.spartan.client.ChatClient;
import dev.spartan.client.ClientFeatures;
import dev.spartan.client.ClientListener;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.Incoming;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.tls.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/** One simulated user of the benchmark: sends in order, reports what it receives. */
interface Endpoint extends AutoCloseable {
    interface Sink {
        void received(String receiver, String text);
    }

    /** Queues a message; messages leave in order, one call at a time, as a real client sends them. */
    void send(ChatRef to, String text);

    @Override
    void close();

    /** A real Spartan client: login, end-to-end encryption, outbox, acks. */
    static Endpoint spartan(String user, List<String> servers, Path keys, Clock clock, Sink sink) {
        return spartanClient(user, servers, keys, clock, sink, ClientFeatures.NONE)
                .endpoint();
    }

    record Spartan(ChatClient client, Endpoint endpoint) {}

    /** What a bench sender says first; each reader answers it with {@link #ANSWER}, as a conversation goes. */
    String OPENING = "hello?";

    String ANSWER = "hello";

    static Spartan spartanClient(
            String user, List<String> servers, Path keys, Clock clock, Sink sink, ClientFeatures features) {
        ClientOptions options = new ClientOptions(user, servers, keys, ClientTls.plaintext(), "", clock);
        AtomicReference<ChatClient> self = new AtomicReference<>();
        ChatClient client = new ChatClient(
                options,
                new ClientListener() {
                    @Override
                    public void message(Incoming m) {
                        if (m.text().equals(OPENING)) {
                            self.get().send(m.isGroup() ? m.chat() : ChatIds.toUser(m.sender()), ANSWER);
                            return;
                        }
                        sink.received(user, m.text());
                    }

                    @Override
                    public void notice(String text) {
                        System.err.println("[" + user + "] " + text);
                    }
                },
                features);
        self.set(client);
        client.connect();
        return new Spartan(client, new Endpoint() {
            @Override
            public void send(ChatRef to, String text) {
                client.send(to, text);
            }

            @Override
            public void close() {
                client.close(1_000);
            }

            @Override
            public String toString() {
                return user;
            }
        });
    }

    /**
     * A logged-in user whose messages are opaque bodies of the shape the server checks (the same bytes for each
     * reader) on one SendStream: the server's whole work per message without the clients' encryption, so that the
     * bench measures the server and not the clients sharing its cores. Acknowledges as a client does. Without
     * {@code stream}, each message is a unary SendMsg, the next one sent when it is answered (the old send path).
     */
    static Endpoint opaque(
            RawUser user, ManagedChannel channel, Function<ChatRef, List<String>> readers, Sink sink, boolean stream) {
        user.receiveAcking(e -> {
            if (e.hasMessage()) {
                sink.received(
                        user.name(), RawUser.body(e.getMessage().getSealed()).toString(StandardCharsets.UTF_8));
            }
        });
        return sending(
                "opaque-sender-" + user.name(),
                channel,
                readers,
                request -> user.calls().sendMsg(request),
                stream ? user.streams().sendStream(RawUser.ignored()) : null);
    }

    /**
     * A client of the transport baseline: the same calls, no login and plaintext bodies; each message a unary
     * SendMsg, or, with {@code stream}, all of them on one SendStream (answers read and dropped).
     */
    static Endpoint relay(String user, String server, Sink sink, boolean stream) {
        ManagedChannel channel =
                ManagedChannelBuilder.forTarget(server).usePlaintext().build();
        Metadata headers = new Metadata();
        headers.put(RelayServer.USER, user);
        SpartanGrpc.SpartanStub async =
                SpartanGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        SpartanGrpc.SpartanBlockingStub blocking = SpartanGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        async.receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(Event e) {
                sink.received(user, RawUser.body(e.getMessage().getSealed()).toString(StandardCharsets.UTF_8));
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
        return sending(
                "relay-sender-" + user,
                channel,
                to -> List.of(to.hasUser() ? to.getUser() : to.getGroup()),
                request -> blocking.sendMsg(request),
                stream ? async.sendStream(RawUser.ignored()) : null);
    }

    /**
     * Sends opaque bodies of {@code readers}' shape from one thread, in order: each with {@code unary}, the next
     * when it is answered, or all on {@code stream} if there is one (its answers dropped).
     */
    private static Endpoint sending(
            String thread,
            ManagedChannel channel,
            Function<ChatRef, List<String>> readers,
            Consumer<SendRequest> unary,
            StreamObserver<SendRequest> stream) {
        ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
        });
        return new Endpoint() {
            @Override
            public void send(ChatRef to, String text) {
                SendRequest request = SendRequest.newBuilder()
                        .setMessageId(UUID.randomUUID().toString())
                        .setTo(to)
                        .setSealed(RawUser.opaqueTo(readers.apply(to), text.getBytes(StandardCharsets.UTF_8)))
                        .build();
                if (stream == null) {
                    sender.execute(() -> unary.accept(request));
                } else {
                    sender.execute(() -> stream.onNext(request)); // one thread: the stream keeps the order
                }
            }

            @Override
            public void close() {
                sender.shutdownNow();
                channel.shutdownNow();
            }
        };
    }
}
