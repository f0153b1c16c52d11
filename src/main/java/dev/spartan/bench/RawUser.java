package dev.spartan.bench;

import com.google.protobuf.ByteString;
import dev.spartan.client.Login;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;

/**
 * A user logged in over a shared channel, for benches that need thousands of users and no terminal: its calls carry
 * the session token, and its messages are opaque bytes (the server never reads them anyway).
 */
record RawUser(String name, SpartanGrpc.SpartanBlockingStub calls, SpartanGrpc.SpartanStub streams) {

    /** Logs {@code user} in with a fresh identity. */
    static RawUser login(Channel channel, String user) {
        String token = Login.perform(channel, user, Identity.generate()).getSessionToken();
        ClientInterceptor bearer = Login.bearer(token);
        return new RawUser(
                user,
                SpartanGrpc.newBlockingStub(channel).withInterceptors(bearer),
                SpartanGrpc.newStub(channel).withInterceptors(bearer));
    }

    /** Asks {@code peer} for a chat, and has the peer accept. */
    void openChatWith(RawUser peer) {
        calls.requestChat(ChatRequest.newBuilder().setPeer(peer.name()).build());
        peer.calls()
                .answerChat(
                        ChatAnswer.newBuilder().setPeer(name).setAccept(true).build());
    }

    /** Opens this user's ReceiveMsg stream, reading every event as it comes; the stream's end is ignored. */
    void receive(Consumer<Event> onEvent) {
        streams.receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(Event e) {
                onEvent.accept(e);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
    }

    /** An opaque sealed message from this user to {@code to}, in the shape the server checks: one ciphertext. */
    static Sealed opaqueTo(String to, byte[] body) {
        return Sealed.newBuilder()
                .putCiphertexts(
                        to,
                        Ciphertext.newBuilder()
                                .setType(2) // libsignal's SignalMessage type
                                .setBody(ByteString.copyFrom(body))
                                .build())
                .build();
    }

    /** The body of the one ciphertext of a message sealed by {@link #opaqueTo}. */
    static ByteString body(Sealed s) {
        return s.getCiphertextsMap().values().stream()
                .findFirst()
                .map(Ciphertext::getBody)
                .orElse(ByteString.EMPTY);
    }
}
