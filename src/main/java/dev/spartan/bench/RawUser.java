package dev.spartan.bench;

import com.google.protobuf.ByteString;
import dev.spartan.client.Login;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.AckRequest;
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
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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

    /**
     * Opens this user's ReceiveMsg stream like {@link #receive}, and acknowledges every 64th message, as a client does
     * now and then, so that the server can trim the inbox.
     */
    void receiveAcking(Consumer<Event> onEvent) {
        AtomicInteger seen = new AtomicInteger();
        receive(e -> {
            onEvent.accept(e);
            if (e.hasMessage() && seen.incrementAndGet() % 64 == 0) {
                streams.ack(AckRequest.newBuilder().setSeq(e.getSeq()).build(), ignored());
            }
        });
    }

    /** An observer that drops what it is told: for answers nobody waits for. */
    static <T> StreamObserver<T> ignored() {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        };
    }

    /** An opaque sealed message from this user to {@code to}, in the shape the server checks: one ciphertext. */
    static Sealed opaqueTo(String to, byte[] body) {
        return opaqueTo(List.of(to), body);
    }

    /** An opaque sealed message for {@code readers}, the same body for each, in the shape the server checks. */
    static Sealed opaqueTo(List<String> readers, byte[] body) {
        Ciphertext ciphertext = Ciphertext.newBuilder()
                .setType(2) // libsignal's SignalMessage type
                .setBody(ByteString.copyFrom(body))
                .build();
        Sealed.Builder sealed = Sealed.newBuilder();
        readers.forEach(r -> sealed.putCiphertexts(r, ciphertext));
        return sealed.build();
    }

    /** The body of the one ciphertext of a message sealed by {@link #opaqueTo}. */
    static ByteString body(Sealed s) {
        return s.getCiphertextsMap().values().stream()
                .findFirst()
                .map(Ciphertext::getBody)
                .orElse(ByteString.EMPTY);
    }
}
