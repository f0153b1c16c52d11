package dev.spartan.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.client.Login;
import dev.spartan.config.ConfigLoader;
import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.LoginProof;
import dev.spartan.proto.AckRequest;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.CompleteLinkRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.LinkEvent;
import dev.spartan.proto.LinkGrpc;
import dev.spartan.proto.ListDevicesRequest;
import dev.spartan.proto.MismatchedDevices;
import dev.spartan.proto.OpenLinkRequest;
import dev.spartan.proto.PreKeyBundleRequest;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.proto.UnlinkDeviceRequest;
import dev.spartan.proto.UploadPreKeysRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;

/**
 * Devices on a whole node, in-process (PROTOCOL.md, "Devices"): a linked device logs in with its own key, gets its
 * own copy of every message, the server refuses a stale device set with the current one, and an unlinked device is
 * shut out at once.
 */
class DevicesTest {
    private InProcessNode node;

    @BeforeEach
    void start() throws Exception {
        node = new InProcessNode(ConfigLoader.load(Path.of("config.yaml")));
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
    }

    /** Links a device to {@code user} (who is logged in) and logs it in; its blocking stub. */
    private SpartanGrpc.SpartanBlockingStub linkAndLogIn(InProcessNode.User user, ECKeyPair deviceKey) {
        Iterator<LinkEvent> wait = LinkGrpc.newBlockingStub(node.channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .openLink(OpenLinkRequest.newBuilder()
                        .setUser(user.name)
                        .setDeviceKey(
                                ByteString.copyFrom(deviceKey.getPublicKey().serialize()))
                        .setDeviceName("laptop")
                        .build());
        ByteString slot = wait.next().getOpened().getSlot();
        int id = linkStub(user.login.getSessionToken())
                .completeLink(CompleteLinkRequest.newBuilder()
                        .setSlot(slot)
                        .setSealedBundle(ByteString.copyFromUtf8("sealed"))
                        .build())
                .getDeviceId();
        assertThat(wait.next().getCompleted().getDeviceId()).isEqualTo(id);
        String address = user.name + "#" + id;
        String token = logIn(address, deviceKey).getSessionToken();
        SpartanGrpc.SpartanBlockingStub stub = node.anonymous().withInterceptors(Login.bearer(token));
        stub.uploadPreKeys(preKeys(node.identity(user.name).signalIdentity()));
        return stub;
    }

    private dev.spartan.proto.LoginResponse logIn(String address, ECKeyPair deviceKey) {
        String user = address.substring(0, address.indexOf('#'));
        return Login.perform(
                node.channel(),
                address,
                node.identity(user),
                "",
                (nonce, binding) -> deviceKey
                        .getPrivateKey()
                        .calculateSignature(LoginProof.challengeBytes(address, nonce, binding)));
    }

    private LinkGrpc.LinkBlockingStub linkStub(String token) {
        return LinkGrpc.newBlockingStub(node.channel())
                .withInterceptors(Login.bearer(token))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static UploadPreKeysRequest preKeys(IdentityKeyPair id) {
        byte[] curve = ECKeyPair.generate().getPublicKey().serialize();
        byte[] kyber = KEMKeyPair.generate(KEMKeyType.KYBER_1024).getPublicKey().serialize();
        return UploadPreKeysRequest.newBuilder()
                .setRegistrationId(99)
                .setSignedPreKey(signed(id, curve))
                .setKyberPreKey(signed(id, kyber))
                .build();
    }

    private static SignedPreKey signed(IdentityKeyPair id, byte[] key) {
        return SignedPreKey.newBuilder()
                .setId(1)
                .setPublicKey(ByteString.copyFrom(key))
                .setSignature(ByteString.copyFrom(id.getPrivateKey().calculateSignature(key)))
                .build();
    }

    private static void chat(InProcessNode.User requester, InProcessNode.User accepter) {
        requester
                .stub()
                .requestChat(ChatRequest.newBuilder().setPeer(accepter.name).build());
        accepter.stub()
                .answerChat(ChatAnswer.newBuilder()
                        .setPeer(requester.name)
                        .setAccept(true)
                        .build());
    }

    private static MismatchedDevices mismatch(StatusRuntimeException e) throws Exception {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        return StatusProto.fromThrowable(e).getDetails(0).unpack(MismatchedDevices.class);
    }

    @Test
    void everyDeviceGetsItsCopyAndAStaleSetIsRefusedWithTheCurrentOne() throws Exception {
        InProcessNode.User alice = node.login("alice");
        InProcessNode.User bob = node.login("bob");
        chat(alice, bob);
        SpartanGrpc.SpartanBlockingStub laptop = linkAndLogIn(alice, ECKeyPair.generate());

        // bob still knows alice's device 1 only: refused, with what is missing
        SendRequest stale = bob.message(ChatIds.toUser("alice"), "hi", "alice");
        StatusRuntimeException refused = (StatusRuntimeException)
                org.assertj.core.api.Assertions.catchThrowable(() -> bob.stub().sendMsg(stale));
        assertThat(mismatch(refused).getMissingList()).containsExactly("alice#2");
        assertThat(mismatch(refused).getExtraList()).isEmpty();
        assertThat(refused.getStatus().getDescription()).contains("encrypt for alice#2");

        // the resend under the same id, for both devices, is stored once and reaches each device's inbox
        SendRequest both = stale.toBuilder()
                .setSealed(bob.message(ChatIds.toUser("alice"), "hi", "alice", "alice#2")
                        .getSealed())
                .build();
        assertThat(bob.stub().sendMsg(both).getDuplicate()).isFalse();
        assertThat(node.store().store().eventsAfter("alice", 0, 10))
                .extracting(Event::getKindCase)
                .containsExactly(Event.KindCase.CHAT_ACCEPTED, Event.KindCase.DEVICES_CHANGED, Event.KindCase.MESSAGE);
        java.util.List<Event> laptopInbox = node.store().store().eventsAfter("alice#2", 0, 10);
        assertThat(laptopInbox.get(laptopInbox.size() - 1).getMessage().getMessageId())
                .isEqualTo(stale.getMessageId());

        // alice's laptop sends: bob's device and alice's device 1 (the sent transcript), never the laptop itself
        SendRequest fromLaptop = alice.message(ChatIds.toUser("bob"), "from the laptop", "bob");
        StatusRuntimeException noTranscript = (StatusRuntimeException)
                org.assertj.core.api.Assertions.catchThrowable(() -> laptop.sendMsg(fromLaptop));
        assertThat(mismatch(noTranscript).getMissingList()).containsExactly("alice");
        SendRequest withTranscript = fromLaptop.toBuilder()
                .setSealed(dev.spartan.testing.WireSession.shaped(
                                "alice#2", ChatIds.toUser("bob"), "from the laptop", "bob", "alice")
                        .getSealed())
                .build();
        laptop.sendMsg(withTranscript);
        ChatMessage atBob = node.store().store().eventsAfter("bob", 0, 10).stream()
                .filter(Event::hasMessage)
                .reduce((a, b) -> b)
                .orElseThrow()
                .getMessage();
        assertThat(atBob.getSender()).isEqualTo("alice");
        assertThat(atBob.getSenderDevice()).isEqualTo(2);
        SendRequest forItself = fromLaptop.toBuilder()
                .setMessageId("self-1")
                .setSealed(dev.spartan.testing.WireSession.shaped(
                                "nobody", ChatIds.toUser("bob"), "x", "bob", "alice", "alice#2")
                        .getSealed())
                .build();
        assertThatThrownBy(() -> laptop.sendMsg(forItself))
                .hasMessageContaining("INVALID_ARGUMENT")
                .hasMessageContaining("not for the sender");

        // a device's bundle is its own, under the account's identity key
        var bundle = bob.stub()
                .fetchPreKeyBundle(
                        PreKeyBundleRequest.newBuilder().setUser("alice#2").build());
        assertThat(bundle.getDeviceId()).isEqualTo(2);
        assertThat(bundle.getRegistrationId()).isEqualTo(99);
        assertThat(bundle.getIdentityKey().toByteArray())
                .isEqualTo(
                        node.identity("alice").signalIdentity().getPublicKey().serialize());

        // History per device: the laptop acked what it read; alice's sends are hers on every device
        long last = laptopInbox.get(laptopInbox.size() - 1).getSeq();
        laptop.ack(AckRequest.newBuilder().setSeq(last).build());
        assertThat(laptop.history(HistoryRequest.newBuilder()
                                .setChat(ChatIds.toUser("bob"))
                                .build())
                        .getMessagesList())
                .extracting(ChatMessage::getMessageId)
                .containsExactly(stale.getMessageId(), fromLaptop.getMessageId());
    }

    @Test
    void anUnlinkedDeviceIsShutOutAndNoLongerAReader() throws Exception {
        InProcessNode.User alice = node.login("alice");
        InProcessNode.User bob = node.login("bob");
        chat(alice, bob);
        ECKeyPair key = ECKeyPair.generate();
        linkAndLogIn(alice, key);
        assertThat(linkStub(alice.login.getSessionToken())
                        .listDevices(ListDevicesRequest.getDefaultInstance())
                        .getDevicesList())
                .extracting(d -> d.getId() + " " + d.getAddress() + " " + d.getName())
                .containsExactly("1 alice primary", "2 alice#2 laptop");
        String token = logIn("alice#2", key).getSessionToken();
        InProcessNode.Stream stream = new InProcessNode.Stream();
        SpartanGrpc.newStub(node.channel())
                .withInterceptors(Login.bearer(token))
                .receiveMsg(dev.spartan.proto.ReceiveRequest.getDefaultInstance(), stream);
        stream.epoch();

        assertThatThrownBy(() -> linkStub(alice.login.getSessionToken())
                        .unlinkDevice(
                                UnlinkDeviceRequest.newBuilder().setDeviceId(1).build()))
                .hasMessageContaining("PERMISSION_DENIED: device 1 is the account itself");
        linkStub(alice.login.getSessionToken())
                .unlinkDevice(UnlinkDeviceRequest.newBuilder().setDeviceId(2).build());

        Status end = stream.end();
        assertThat(end.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(end.getDescription())
                .isEqualTo("this device (alice#2) was unlinked from its account; this session is" + " closed");
        assertThatThrownBy(() -> node.anonymous()
                        .withInterceptors(Login.bearer(token))
                        .preKeyCount(dev.spartan.proto.PreKeyCountRequest.getDefaultInstance()))
                .hasMessageContaining("UNAUTHENTICATED");
        assertThatThrownBy(() -> logIn("alice#2", key))
                .hasMessageContaining(
                        "UNAUTHENTICATED: device 2 of alice is not linked (it was unlinked, or never" + " linked)");

        // bob's old set names the unlinked device: refused as extra; alice alone is stored
        SendRequest stale = bob.message(ChatIds.toUser("alice"), "hi", "alice", "alice#2");
        StatusRuntimeException refused = (StatusRuntimeException)
                org.assertj.core.api.Assertions.catchThrowable(() -> bob.stub().sendMsg(stale));
        assertThat(mismatch(refused).getExtraList()).containsExactly("alice#2");
        bob.stub().sendMsg(bob.message(ChatIds.toUser("alice"), "hi", "alice"));
        assertThat(node.store().store().eventsAfter("alice#2", 0, 10)).isEmpty();
        assertThat(node.store().store().signedPreKeys("alice#2")).isEmpty();
    }
}
