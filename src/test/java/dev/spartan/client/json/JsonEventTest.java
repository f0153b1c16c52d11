package dev.spartan.client.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.spartan.client.Actions;
import dev.spartan.client.Incoming;
import dev.spartan.client.SendState;
import dev.spartan.contract.ChatIds;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events of --json mode: one object per line, fixed keys, text carried exactly. */
class JsonEventTest {
    private static JsonObject parse(JsonEvent e) {
        String line = e.encode();
        assertThat(line).doesNotContain("\n").doesNotContain("\r");
        return JsonParser.parseString(line).getAsJsonObject();
    }

    @Test
    void aMessageHasItsChatSenderTextIdAndTheServersTime() {
        Incoming m = new Incoming("m-1", "bob", ChatIds.toUser("alice"), "bob", "Hi Alice!", 7, 1_700_000_000_123L);
        assertThat(JsonEvent.message(m, false).encode())
                .isEqualTo("{\"type\":\"message\",\"chat\":\"bob\",\"group\":false,\"from\":\"bob\","
                        + "\"text\":\"Hi Alice!\",\"id\":\"m-1\",\"ts\":1700000000123}");
        assertThat(parse(JsonEvent.message(m, true)).get("type").getAsString()).isEqualTo("history");
    }

    @Test
    void aFileEventHasItsStateSizeAndTheKeyOfItsTransfer() {
        JsonEvent.FileFacts upload = new JsonEvent.FileFacts(
                ChatIds.toUser("bob"), "alice", "report.pdf", "m-9", 0, 1200, "application/pdf", null);
        assertThat(JsonEvent.file(upload, "sending")
                        .percent(40)
                        .with("path", null, 5L)
                        .encode())
                .isEqualTo("{\"type\":\"file\",\"chat\":\"bob\",\"group\":false,\"from\":\"alice\","
                        + "\"text\":\"report.pdf\",\"id\":\"m-9\",\"state\":\"sending\",\"size\":1200,"
                        + "\"media_type\":\"application/pdf\",\"percent\":40,\"ts\":5}");
        JsonEvent.FileFacts download =
                new JsonEvent.FileFacts(ChatIds.toGroup("group1"), "bob", "log.txt", null, 3, 10, "text/plain", "ab12");
        assertThat(JsonEvent.file(download, "saved")
                        .with("path", "/tmp/log.txt", 6L)
                        .encode())
                .isEqualTo("{\"type\":\"file\",\"chat\":\"group1\",\"group\":true,\"from\":\"bob\","
                        + "\"text\":\"log.txt\",\"state\":\"saved\",\"number\":3,\"size\":10,"
                        + "\"media_type\":\"text/plain\",\"blob\":\"ab12\",\"path\":\"/tmp/log.txt\",\"ts\":6}");
        assertThat(JsonEvent.progress("blob", "ab12", 30, 7L).encode())
                .isEqualTo("{\"type\":\"progress\",\"blob\":\"ab12\",\"percent\":30,\"ts\":7}");
        JsonObject files = parse(JsonEvent.files(ChatIds.toUser("bob"), List.of(download), List.of("not saved"), 8L));
        assertThat(files.getAsJsonArray("files")
                        .get(0)
                        .getAsJsonObject()
                        .get("state")
                        .getAsString())
                .isEqualTo("not saved");
    }

    @Test
    void messageActionsAreEventsOfTheirOwn() {
        Incoming target = new Incoming("m-1", "alice", ChatIds.toGroup("group1"), "group1", "See you at 1", 4, 9L);
        assertThat(JsonEvent.action(
                                new Actions.Change(Actions.Kind.REACTED, "bob", "group1", true, target, "👍"),
                                "👍 2",
                                0,
                                20L)
                        .encode())
                .isEqualTo("{\"type\":\"reaction\",\"chat\":\"group1\",\"group\":true,\"from\":\"bob\","
                        + "\"id\":\"m-1\",\"emoji\":\"👍\",\"reactions\":\"👍 2\",\"ts\":20}");
        assertThat(JsonEvent.action(
                                new Actions.Change(Actions.Kind.EDITED, "alice", "group1", true, target, ""),
                                "",
                                0,
                                21L)
                        .encode())
                .isEqualTo("{\"type\":\"edited\",\"chat\":\"group1\",\"group\":true,\"from\":\"alice\","
                        + "\"text\":\"See you at 1\",\"id\":\"m-1\",\"ts\":21}");
        JsonObject timer = parse(JsonEvent.action(
                new Actions.Change(
                        Actions.Kind.TIMER,
                        "alice",
                        "bob",
                        false,
                        null,
                        "alice set messages to disappear after 1 hour."),
                "",
                3600,
                22L));
        assertThat(timer.get("type").getAsString()).isEqualTo("timer");
        assertThat(timer.get("seconds").getAsInt()).isEqualTo(3600);
        assertThat(timer.get("text").getAsString()).isEqualTo("alice set messages to disappear after 1 hour.");
        assertThat(timer.has("id")).isFalse();
    }

    @Test
    void aGroupMessageNamesTheGroupAsItsChat() {
        Incoming m = new Incoming("m-2", "charlie", ChatIds.toGroup("group1"), "group1", "hi all", 3, 5L);
        JsonObject o = parse(JsonEvent.message(m, false));
        assertThat(o.get("chat").getAsString()).isEqualTo("group1");
        assertThat(o.get("group").getAsBoolean()).isTrue();
        assertThat(o.get("from").getAsString()).isEqualTo("charlie");
    }

    @Test
    void textIsCarriedExactlyOnOneLine() {
        String text = "line one\nline two\r\t\u001B[2J \"quoted\" <b>&amp;</b> café 🎉 \u2028 \\ end";
        Incoming m = new Incoming("m-3", "eve", ChatIds.toUser("alice"), "eve", text, 1, 1L);
        JsonEvent e = JsonEvent.message(m, false);
        assertThat(e.encode()).doesNotContain("\u001B").doesNotContain("\u2028").contains("<b>&amp;</b>");
        assertThat(parse(e).get("text").getAsString()).isEqualTo(text);
    }

    @Test
    void ownMessagesAreSentThenReceipted() {
        JsonObject sent = parse(JsonEvent.sent(ChatIds.toUser("bob"), "alice", "Hey", "id-9", SendState.QUEUED, 10));
        assertThat(sent.keySet()).containsExactly("type", "chat", "group", "from", "text", "id", "state", "ts");
        assertThat(sent.get("state").getAsString()).isEqualTo("queued");
        JsonObject receipt = parse(JsonEvent.receipt(ChatIds.toUser("bob"), "id-9", SendState.DELIVERED, 11));
        assertThat(receipt.keySet()).containsExactly("type", "chat", "group", "id", "state", "ts");
        assertThat(receipt.get("type").getAsString()).isEqualTo("receipt");
        assertThat(receipt.get("state").getAsString()).isEqualTo("delivered");
    }

    @Test
    void requestsAndAnswersComeFromThePeer() {
        JsonObject request = parse(JsonEvent.fromPeer("request", "alice", 12));
        assertThat(request.keySet()).containsExactly("type", "chat", "group", "from", "ts");
        assertThat(request.get("from").getAsString()).isEqualTo("alice");
        assertThat(request.get("chat").getAsString()).isEqualTo("alice");
    }

    @Test
    void anErrorCarriesTheServersStatusWhenTheServerRefused() {
        JsonObject refused = parse(JsonEvent.error("you cannot chat with yourself", Status.Code.INVALID_ARGUMENT, 13));
        assertThat(refused.get("type").getAsString()).isEqualTo("error");
        assertThat(refused.get("code").getAsString()).isEqualTo("INVALID_ARGUMENT");
        assertThat(parse(JsonEvent.error("Usage: /chat NAME", null, 14)).has("code"))
                .isFalse();
    }

    @Test
    void connectedListsUsersAndGroups() {
        JsonObject o = parse(JsonEvent.connected("alice", 3000, List.of("bob", "charlie"), List.of("group1"), 15));
        assertThat(o.get("from").getAsString()).isEqualTo("alice");
        assertThat(o.get("port").getAsInt()).isEqualTo(3000);
        assertThat(o.getAsJsonArray("users")).hasSize(2);
        assertThat(o.getAsJsonArray("groups").get(0).getAsString()).isEqualTo("group1");
    }

    @Test
    void readyForAGroupListsItsMembers() {
        JsonObject o = parse(JsonEvent.ready(ChatIds.toGroup("group1"), List.of("alice", "bob"), 16));
        assertThat(o.getAsJsonArray("members")).hasSize(2);
        assertThat(parse(JsonEvent.ready(ChatIds.toUser("bob"), List.of(), 17)).has("members"))
                .isFalse();
    }
}
