package dev.spartan.server;

import dev.spartan.backend.EmbeddedBackend;
import dev.spartan.client.Login;
import dev.spartan.config.SecurityConfig;
import dev.spartan.config.SpartanConfig;
import dev.spartan.contract.Membership;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.CreateGroupRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.Group;
import dev.spartan.proto.LeaveGroupRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.testing.Members;
import dev.spartan.testing.UnreliableStore;
import dev.spartan.testing.WireSession;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A whole node, wired exactly as {@code spartan server} wires it, served in-process: real services, interceptors,
 * status mapping and store (in memory, behind {@link UnreliableStore}'s switches), reached through real stubs.
 */
final class InProcessNode implements AutoCloseable {
    private final String name = "spartan-" + UUID.randomUUID();
    private final UnreliableStore store;
    private final SpartanServer server;
    private final ManagedChannel channel;
    private final Map<String, Identity> identities = new ConcurrentHashMap<>();

    InProcessNode(SpartanConfig config) throws Exception {
        store = UnreliableStore.over(EmbeddedStore.inMemory());
        // In-process calls have no peer address, so loopback enrollment could never admit them.
        config = config.withSecurity(config.security().withEnrollment(SecurityConfig.Enrollment.OPEN));
        config = config.withOperations(config.operations().withDrain(Duration.ZERO)); // nothing to move away
        server = new SpartanServer(
                        config,
                        new EmbeddedBackend(store.store()),
                        InProcessServerBuilder.forName(name),
                        ServerTransport.plaintext(null, null),
                        Clock.systemUTC())
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    UnreliableStore store() {
        return store;
    }

    SpartanServer server() {
        return server;
    }

    ManagedChannel channel() {
        return channel;
    }

    /** The user's identity on this node: made at its first use, the same for every later login. */
    Identity identity(String user) {
        return identities.computeIfAbsent(user, u -> Identity.generate());
    }

    AuthGrpc.AuthBlockingStub auth() {
        return AuthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** A stub without a token. */
    SpartanGrpc.SpartanBlockingStub anonymous() {
        return SpartanGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** Logs in through Auth as a client does. */
    User login(String user) {
        return new User(user, Login.perform(channel, user, identity(user)));
    }

    /** A logged-in user: the stubs carry its token. */
    final class User {
        final String name;
        final LoginResponse login;

        private User(String name, LoginResponse login) {
            this.name = name;
            this.login = login;
        }

        SpartanGrpc.SpartanBlockingStub stub() {
            return anonymous().withInterceptors(Login.bearer(login.getSessionToken()));
        }

        /** A CreateGroup request with the CREATE statement this user signed. */
        CreateGroupRequest createRequest(String group, String... members) {
            return CreateGroupRequest.newBuilder()
                    .setName(group)
                    .addAllMembers(List.of(members))
                    .setStatement(Membership.create(identity(name).signalIdentity(), group, name, List.of(members)))
                    .build();
        }

        /** A LeaveGroup request with this user's LEAVE statement, chained to {@code group} as the server gave it. */
        LeaveGroupRequest leaveRequest(Group group) {
            return LeaveGroupRequest.newBuilder()
                    .setName(group.getName())
                    .setStatement(Members.leave(identity(name).signalIdentity(), name, group))
                    .build();
        }

        Stream receive(long afterSeq) {
            Stream stream = new Stream();
            SpartanGrpc.newStub(channel)
                    .withInterceptors(Login.bearer(login.getSessionToken()))
                    .receiveMsg(
                            ReceiveRequest.newBuilder().setAfterSeq(afterSeq).build(), stream);
            return stream;
        }

        /**
         * A send of the right shape for {@code readers} (the server checks shape, not crypto): one dummy ciphertext
         * per reader, the text as its body; this user is never a reader of its own message, so is left out.
         */
        SendRequest message(ChatRef to, String text, String... readers) {
            return WireSession.shaped(name, to, text, readers);
        }
    }

    /** A ReceiveMsg stream as the client sees it; {@link #next} skips the StreamStarted that opens it. */
    static final class Stream implements StreamObserver<Event> {
        private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final CompletableFuture<Status> end = new CompletableFuture<>();
        private final CompletableFuture<String> epoch = new CompletableFuture<>();

        /** The next event, failing the test if none comes in time. */
        Event next() throws InterruptedException {
            Event e = events.poll(10, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no event within 10 s; stream ended with " + end.getNow(null));
            }
            return e;
        }

        /** How the server ended the stream, waiting for it. */
        Status end() throws Exception {
            return end.get(10, TimeUnit.SECONDS);
        }

        /** The store epoch the stream opened with, waiting for it. */
        String epoch() throws Exception {
            return epoch.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void onNext(Event event) {
            if (event.hasStarted() && !epoch.isDone()) {
                epoch.complete(event.getStarted().getStoreEpoch());
            } else {
                events.add(event);
            }
        }

        @Override
        public void onError(Throwable t) {
            end.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end.complete(Status.OK);
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }
}
