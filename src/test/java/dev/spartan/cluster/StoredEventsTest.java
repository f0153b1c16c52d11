package dev.spartan.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Sealed;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredEventsTest {
    private static Event event(long seq, int bodyBytes) {
        return Event.newBuilder()
                .setSeq(seq)
                .setMessage(ChatMessage.newBuilder()
                        .setMessageId("m" + seq)
                        .setSender("ålice")
                        .setChatSeq(seq * 3)
                        .setSealed(Sealed.newBuilder()
                                .putCiphertexts(
                                        "bob",
                                        Ciphertext.newBuilder()
                                                .setType(2)
                                                .setBody(ByteString.copyFrom(new byte[bodyBytes]))
                                                .build())))
                .build();
    }

    @Test
    void aBatchSurvivesTheTripAsText() throws IOException {
        List<Map.Entry<String, Event>> batch = List.of(
                Map.entry("bob", event(1, 150)),
                Map.entry("élodie", event(300, 70_000)),
                Map.entry("bob", event(2, 0)));
        String payload = StoredEvents.encode(batch);
        assertThat(payload).doesNotContain("\n", " ");
        assertThat(StoredEvents.decode(payload)).isEqualTo(batch);
    }

    @Test
    void aMalformedPayloadIsRefusedWhole() {
        String good = StoredEvents.encode(List.of(Map.entry("bob", event(1, 10))));
        assertThatThrownBy(() -> StoredEvents.decode("not base64!")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> StoredEvents.decode(good.substring(0, good.length() - 8)))
                .isInstanceOf(IOException.class);
    }
}
