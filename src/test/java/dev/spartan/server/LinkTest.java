package dev.spartan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.client.Login;
import dev.spartan.config.ConfigLoader;
import dev.spartan.crypto.LinkCode;
import dev.spartan.crypto.LinkSeal;
import dev.spartan.proto.CompleteLinkRequest;
import dev.spartan.proto.GetLinkRequest;
import dev.spartan.proto.LinkEvent;
import dev.spartan.proto.LinkGrpc;
import dev.spartan.proto.OpenLinkRequest;
import dev.spartan.proto.PendingLink;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * The Link service on a whole node: a new device's stream, a signed-in device that reads and answers it, and what
 * the node refuses. The crypto of both ends is the clients' (LinkCode, LinkSeal), done here as a client would.
 */
class LinkTest {
    private InProcessNode node;

    @BeforeEach
    void start() throws Exception {
        node = new InProcessNode(ConfigLoader.load(Path.of("config.yaml")));
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
    }

    /** The new device's side: OpenLink's events as they come, and how the stream ended. */
    private static final class NewDevice implements StreamObserver<LinkEvent> {
        final ECKeyPair key = ECKeyPair.generate();
        final BlockingQueue<LinkEvent> events = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> end = new CompletableFuture<>();

        NewDevice open(InProcessNode node, String user) {
            LinkGrpc.newStub(node.channel())
                    .openLink(
                            OpenLinkRequest.newBuilder()
                                    .setUser(user)
                                    .setDeviceKey(ByteString.copyFrom(
                                            key.getPublicKey().serialize()))
                                    .setDeviceName("laptop")
                                    .build(),
                            this);
            return this;
        }

        LinkEvent next() throws InterruptedException {
            LinkEvent e = events.poll(10, TimeUnit.SECONDS);
            assertThat(e)
                    .as("an event within 10 s; the stream ended with " + end.getNow(null))
                    .isNotNull();
            return e;
        }

        @Override
        public void onNext(LinkEvent value) {
            events.add(value);
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

    private LinkGrpc.LinkBlockingStub signedIn(String user) {
        InProcessNode.User session = node.login(user);
        return LinkGrpc.newBlockingStub(node.channel())
                .withInterceptors(Login.bearer(session.login.getSessionToken()))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @Test
    void theNewDeviceGetsItsIdAndABundleOnlyItCanOpen() throws Exception {
        LinkGrpc.LinkBlockingStub alice = signedIn("alice");
        NewDevice laptop = new NewDevice().open(node, "alice");
        byte[] slot = laptop.next().getOpened().getSlot().toByteArray();
        String typed = LinkCode.create(slot, laptop.key.getPublicKey()).toString();

        // On alice's signed-in device: the code, the key the server relays, the answer.
        LinkCode code = LinkCode.parse(typed);
        PendingLink pending = alice.getLink(GetLinkRequest.newBuilder()
                .setSlot(ByteString.copyFrom(code.slot()))
                .build());
        assertThat(pending.getDeviceName()).isEqualTo("laptop");
        assertThat(code.matches(new ECPublicKey(pending.getDeviceKey().toByteArray())))
                .isTrue();
        byte[] bundle = "alice's identity and pins".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = LinkSeal.seal(new ECPublicKey(pending.getDeviceKey().toByteArray()), code, bundle);
        int deviceId = alice.completeLink(CompleteLinkRequest.newBuilder()
                        .setSlot(ByteString.copyFrom(code.slot()))
                        .setSealedBundle(ByteString.copyFrom(sealed))
                        .build())
                .getDeviceId();
        assertThat(deviceId).isEqualTo(2);

        LinkEvent completed = laptop.next();
        assertThat(completed.getCompleted().getDeviceId()).isEqualTo(2);
        assertThat(LinkSeal.open(
                        laptop.key.getPrivateKey(),
                        code,
                        completed.getCompleted().getSealedBundle().toByteArray()))
                .isEqualTo(bundle);
        assertThat(laptop.end.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);

        // One-time: the same code reads nothing any more.
        assertThatThrownBy(() -> alice.getLink(GetLinkRequest.newBuilder()
                        .setSlot(ByteString.copyFrom(slot))
                        .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThat(node.store().store().devices("alice")).hasSize(1);
    }

    @Test
    void aDeclinedLinkEndsTheNewDevicesWaitAndAnotherAccountSeesNothing() throws Exception {
        LinkGrpc.LinkBlockingStub alice = signedIn("alice");
        LinkGrpc.LinkBlockingStub bob = signedIn("bob");
        NewDevice laptop = new NewDevice().open(node, "alice");
        GetLinkRequest slot = GetLinkRequest.newBuilder()
                .setSlot(laptop.next().getOpened().getSlot())
                .build();

        assertThatThrownBy(() -> bob.getLink(slot))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        alice.declineLink(slot);
        Status end = laptop.end.get(10, TimeUnit.SECONDS);
        assertThat(end.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(end.getDescription()).isEqualTo("the link was declined on a device where alice is signed in");
        assertThat(node.store().store().devices("alice")).isEmpty();
    }

    @Test
    void aLinkNeedsAnAccountThatIsSignedInSomewhere() throws Exception {
        NewDevice first = new NewDevice().open(node, "bob");
        Status end = first.end.get(10, TimeUnit.SECONDS);
        assertThat(end.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(end.getDescription()).startsWith("bob has not signed in on any device yet");
        assertThatThrownBy(() -> LinkGrpc.newBlockingStub(node.channel())
                        .getLink(GetLinkRequest.newBuilder()
                                .setSlot(ByteString.copyFrom(new byte[4]))
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }
}
