package dev.spartan.bench;

import com.google.protobuf.ByteString;
import dev.spartan.client.Login;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
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

    /** An opaque sealed body from this user to {@code to}, with the shapes the server checks; the body is left out. */
    Sealed.Builder opaqueTo(String to) {
        return Sealed.newBuilder()
                .setSalt(ByteString.copyFrom(new byte[32]))
                .putWrappedKeys(name, ByteString.copyFrom(new byte[48]))
                .putWrappedKeys(to, ByteString.copyFrom(new byte[48]));
    }
}
