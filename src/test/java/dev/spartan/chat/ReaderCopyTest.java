package dev.spartan.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRequested;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Sealed;
import org.junit.jupiter.api.Test;

class ReaderCopyTest {
    private static Ciphertext body(String text) {
        return Ciphertext.newBuilder()
                .setType(2)
                .setBody(ByteString.copyFromUtf8(text))
                .build();
    }

    private static final ChatMessage GROUP = ChatMessage.newBuilder()
            .setMessageId("m1")
            .setSender("alice")
            .setChatSeq(7)
            .setSealed(Sealed.newBuilder()
                    .putCiphertexts("bob", body("for bob"))
                    .putCiphertexts("carol", body("for carol"))
                    .addUnreadable("eve"))
            .build();

    @Test
    void aReaderGetsItsOwnCiphertextAndTheUnreadableListOnly() {
        ChatMessage bob = ReaderCopy.of(GROUP, "bob");
        assertThat(bob.getSealed().getCiphertextsMap()).containsOnlyKeys("bob");
        assertThat(bob.getSealed().getCiphertextsMap().get("bob")).isEqualTo(body("for bob"));
        assertThat(bob.getSealed().getUnreadableList()).containsExactly("eve");
        assertThat(bob.toBuilder().setSealed(GROUP.getSealed()).build()).isEqualTo(GROUP);

        assertThat(ReaderCopy.of(GROUP, "eve").getSealed().getCiphertextsMap()).isEmpty();
        Event event = Event.newBuilder().setSeq(3).setMessage(GROUP).build();
        assertThat(ReaderCopy.of(event, "carol").getMessage().getSealed().getCiphertextsMap())
                .containsOnlyKeys("carol");
        assertThat(ReaderCopy.of(event, "carol").getSeq()).isEqualTo(3);
    }

    @Test
    void whatHoldsNothingForOthersIsPassedOnAsItIs() {
        ChatMessage direct = GROUP.toBuilder()
                .setSealed(Sealed.newBuilder().putCiphertexts("bob", body("for bob")))
                .build();
        assertThat(ReaderCopy.of(direct, "bob")).isSameAs(direct);
        Event request = Event.newBuilder()
                .setChatRequested(ChatRequested.newBuilder().setFrom("carol"))
                .build();
        assertThat(ReaderCopy.of(request, "bob")).isSameAs(request);
    }
}
