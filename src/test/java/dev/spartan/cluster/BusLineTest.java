package dev.spartan.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.spartan.cluster.BusLine.Kind;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRequested;
import dev.spartan.proto.Event;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BusLineTest {
    private static BusLine line(Kind kind, List<String> names) {
        return new BusLine(kind, "n1", names, List.of());
    }

    @Test
    void inboxesGrewNamesItsUsers() {
        String text = BusLine.format(Kind.INBOXES_GREW, "n1", "alice,bob");
        assertThat(text).isEqualTo("N n1/1 alice,bob");
        assertThat(BusLine.parse(text)).contains(line(Kind.INBOXES_GREW, List.of("alice", "bob")));
    }

    @Test
    void historiesChangedNamesItsChatKeys() {
        String text = BusLine.format(Kind.HISTORIES_CHANGED, "n1", "dm:alice|bob,group:group1");
        assertThat(text).isEqualTo("H n1/1 dm:alice|bob,group:group1");
        assertThat(BusLine.parse(text)).contains(line(Kind.HISTORIES_CHANGED, List.of("dm:alice|bob", "group:group1")));
    }

    @Test
    void streamOpenedNamesItsUser() {
        String text = BusLine.format(Kind.STREAM_OPENED, "n1", "alice");
        assertThat(text).isEqualTo("S n1/1 alice");
        assertThat(BusLine.parse(text)).contains(line(Kind.STREAM_OPENED, List.of("alice")));
    }

    @Test
    void eventsStoredCarriesItsEvents() {
        List<Map.Entry<String, Event>> events = List.of(
                Map.entry(
                        "bob",
                        Event.newBuilder()
                                .setSeq(7)
                                .setMessage(ChatMessage.newBuilder().setMessageId("m1"))
                                .build()),
                Map.entry(
                        "charlie",
                        Event.newBuilder()
                                .setSeq(2)
                                .setChatRequested(ChatRequested.newBuilder().setFrom("alice"))
                                .build()));
        String text = BusLine.format(Kind.EVENTS_STORED, "n1", StoredEvents.encode(events));
        assertThat(text).startsWith("E n1/1 ");
        assertThat(BusLine.parse(text)).contains(new BusLine(Kind.EVENTS_STORED, "n1", List.of(), events));
    }

    @Test
    void aLineCarriesTheBusVersionAfterItsNodeAndALineOfTheVersionBeforeStillReads() {
        String text = BusLine.format(Kind.INBOXES_GREW, "n1", "alice");
        assertThat(text).isEqualTo("N n1/1 alice");
        assertThat(BusLine.version(text)).isEqualTo(BusLine.VERSION);
        assertThat(BusLine.parse(text)).contains(line(Kind.INBOXES_GREW, List.of("alice")));
        // A node of the version before writes no version, and reads "n1/1" as the id of another node: either way
        // the kind and the payload are where they were.
        assertThat(BusLine.version("N n1 alice")).isZero();
        assertThat(BusLine.parse("N n1 alice")).contains(line(Kind.INBOXES_GREW, List.of("alice")));
        assertThat(text.split(" ", 3)).containsExactly("N", "n1/1", "alice");
        // A later version's line of a known kind still reads.
        assertThat(BusLine.version("N n1/7 alice")).isEqualTo(7);
        assertThat(BusLine.parse("N n1/7 alice")).contains(line(Kind.INBOXES_GREW, List.of("alice")));
    }

    @Test
    void emptyNamesAreLeftOut() {
        assertThat(BusLine.parse("N n1 ,alice,,bob,")).contains(line(Kind.INBOXES_GREW, List.of("alice", "bob")));
        assertThat(BusLine.parse("N n1 ")).contains(line(Kind.INBOXES_GREW, List.of()));
        assertThat(BusLine.parse("S n1 ")).contains(line(Kind.STREAM_OPENED, List.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "N", "N n1", " n1 alice", "N  alice", "X n1 alice", "n n1 alice", "NN n1 alice"})
    void aLineOfNoKnownShapeReadsAsNothing(String text) {
        assertThat(BusLine.parse(text)).isEmpty();
    }

    @Test
    void storedEventsThatCannotBeDecodedReadAsUnreadableSoStreamsLookAtTheStore() {
        String good = StoredEvents.encode(
                List.of(Map.entry("bob", Event.newBuilder().setSeq(1).build())));
        String garbage =
                Base64.getEncoder().encodeToString("\u0003bob\u00ff\u00ff".getBytes(StandardCharsets.ISO_8859_1));
        for (String payload : List.of("not base64!", good.substring(0, good.length() - 4), garbage)) {
            assertThat(BusLine.parse("E n2 " + payload))
                    .as(payload)
                    .contains(new BusLine(Kind.UNREADABLE_EVENTS, "n2", List.of(), List.of()));
        }
    }

    @Test
    void noLineMakesTheParserThrow() {
        Random random = new Random(42);
        String alphabet = "NHSEX n1,:|=+/\n\t\u0000é";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            String encoded = Base64.getEncoder().encodeToString(bytes);
            assertThatCode(() -> BusLine.parse(text.toString())).doesNotThrowAnyException();
            assertThatCode(() -> BusLine.parse("E n1 " + encoded)).doesNotThrowAnyException();
        }
    }
}
