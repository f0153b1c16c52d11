package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static dev.spartan.testing.Chats.requestPrompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.OutputLines;
import dev.spartan.testing.SpartanJar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The client driven by a script, through the real jar on a real server: on a pipe its stdout is exactly the
 * documented lines; with --json it is one JSON event per line and nothing else.
 */
class ScriptingIT extends OneNodeTest {

    private ClientProcess scripted(String user, String... args) {
        return ClientProcess.stdoutApart(user, keys(), server.port(), args);
    }

    @Test
    void onAPipeStdoutIsExactlyTheTranscriptsLines() {
        try (ClientProcess bob = scripted("bob");
                ClientProcess alice = scripted("alice")) {
            bob.out().awaitPrompt(ENTER_USER);
            alice.out().awaitPrompt(ENTER_USER);
            alice.type("bob");
            alice.awaitLine("[Spartan] You are now ready to chat with bob.");
            bob.out().awaitPrompt(requestPrompt("alice"));
            alice.type("Hey Bob!");
            bob.type("yes");
            bob.awaitLine("[alice] Hey Bob!");
            alice.awaitLine("[Spartan] bob accepted your chat request.");
            bob.type("Hi Alice!");
            alice.awaitLine("[bob] Hi Alice!");
            assertThat(alice.quit()).isZero();
            assertThat(bob.quit()).isZero();

            String port = String.valueOf(server.port());
            assertThat(alice.out().awaitEnd())
                    .isEqualTo(lines(
                            "[Spartan] Connected to Spartan Server at port " + port + ".",
                            "[Spartan] User list: bob,charlie,eve,foo,bar,baz,qux",
                            ENTER_USER,
                            "[Spartan] You are now ready to chat with bob.",
                            "[Spartan] bob accepted your chat request.",
                            "[bob] Hi Alice!"));
            assertThat(bob.out().awaitEnd())
                    .isEqualTo(lines(
                            "[Spartan] Connected to Spartan Server at port " + port + ".",
                            "[Spartan] User list: alice,charlie,eve,foo,bar,baz,qux",
                            ENTER_USER,
                            requestPrompt("alice"),
                            "[Spartan] You are now ready to chat with alice.",
                            "[alice] Hey Bob!"));
        }
    }

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    @Test
    void jsonModeCarriesAWholeChatAsOneEventPerLine() throws IOException {
        try (ClientProcess alice = scripted("alice", "--json");
                ClientProcess bob = scripted("bob", "--json")) {
            JsonObject connected = awaitEvent(alice, e -> type(e, "connected"));
            assertThat(connected.get("from").getAsString()).isEqualTo("alice");
            assertThat(connected.get("port").getAsInt()).isEqualTo(server.port());
            awaitEvent(bob, e -> type(e, "connected"));

            // bob has no accepted chat with alice yet: his group only invites her, and she declines.
            bob.type("/newgroup crew alice");
            JsonObject invitation = awaitEvent(alice, e -> type(e, "invitation"));
            assertThat(text(invitation, "chat")).isEqualTo("crew");
            assertThat(text(invitation, "from")).isEqualTo("bob");
            assertThat(text(invitation, "text")).isEqualTo("bob added you to 'crew'.");
            alice.type("maybe");
            assertThat(text(awaitEvent(alice, e -> type(e, "error")), "text"))
                    .isEqualTo("Enter 'yes' to join crew or 'no' (or /decline crew later).");
            alice.type("/decline crew");
            awaitEvent(alice, e -> type(e, "notice") && text(e, "text").equals("You declined to join crew."));

            // A refusal by the server is an error event with its status, and the client carries on.
            alice.type("alice");
            JsonObject refused = awaitEvent(alice, e -> type(e, "error") && e.has("code"));
            assertThat(refused.get("text").getAsString()).isEqualTo("you cannot chat with yourself");
            assertThat(refused.get("code").getAsString()).isEqualTo("INVALID_ARGUMENT");

            alice.type("bob");
            awaitEvent(alice, e -> type(e, "ready") && text(e, "chat").equals("bob"));
            JsonObject request = awaitEvent(bob, e -> type(e, "request"));
            assertThat(text(request, "from")).isEqualTo("alice");

            alice.type("Hey Bob!");
            JsonObject sent = awaitEvent(alice, e -> type(e, "sent"));
            String heyId = text(sent, "id");
            assertThat(text(sent, "text")).isEqualTo("Hey Bob!");
            assertThat(text(sent, "state")).isEqualTo("queued");
            awaitEvent(alice, e -> receipt(e, heyId, "held"));

            bob.type("yes");
            awaitEvent(bob, e -> type(e, "ready") && text(e, "chat").equals("alice"));
            JsonObject hey = awaitEvent(bob, e -> type(e, "message"));
            assertThat(text(hey, "from")).isEqualTo("alice");
            assertThat(text(hey, "chat")).isEqualTo("alice");
            assertThat(text(hey, "text")).isEqualTo("Hey Bob!");
            assertThat(text(hey, "id")).isEqualTo(heyId);
            awaitEvent(alice, e -> type(e, "accepted") && text(e, "from").equals("bob"));
            awaitEvent(alice, e -> receipt(e, heyId, "delivered")); // bob's client, in --json, sent a receipt

            bob.type("Hi Alice!");
            JsonObject hi =
                    awaitEvent(alice, e -> type(e, "message") && text(e, "from").equals("bob"));
            assertThat(text(hi, "text")).isEqualTo("Hi Alice!");
            String hiId =
                    text(awaitEvent(bob, e -> type(e, "sent") && text(e, "text").equals("Hi Alice!")), "id");
            awaitEvent(bob, e -> receipt(e, hiId, "delivered"));

            // Files (README, JSON mode): /send, its file events and receipts by id; the reader's, /files and /save.
            Path notes = Files.writeString(dir.resolve("notes.txt"), "build 512 passed\n".repeat(5000));
            alice.type("/send " + notes);
            JsonObject sending = awaitEvent(alice, e -> file(e, "sending"));
            String fileId = text(sending, "id");
            assertThat(text(sending, "text")).isEqualTo("notes.txt");
            assertThat(sending.get("size").getAsLong()).isEqualTo(Files.size(notes));
            awaitEvent(alice, e -> file(e, "sent") && text(e, "id").equals(fileId));
            awaitEvent(alice, e -> receipt(e, fileId, "delivered"));
            JsonObject received = awaitEvent(bob, e -> file(e, "received"));
            assertThat(text(received, "from")).isEqualTo("alice");
            assertThat(received.get("number").getAsInt()).isEqualTo(1);
            bob.type("/files");
            JsonObject listed = awaitEvent(bob, e -> type(e, "files"));
            assertThat(listed.getAsJsonArray("files")).hasSize(1);
            assertThat(text(listed.getAsJsonArray("files").get(0).getAsJsonObject(), "state"))
                    .isEqualTo("not saved");
            bob.type("/save 1 " + dir.resolve("saved"));
            JsonObject saved = awaitEvent(bob, e -> file(e, "saved"));
            assertThat(Files.mismatch(notes, Path.of(text(saved, "path")))).isEqualTo(-1);
            bob.type("/save 9");
            awaitEvent(bob, e -> type(e, "error") && text(e, "text").contains("there is no file 9"));

            // Devices (README, JSON mode): the list as notices, refusals as error events.
            alice.type("/devices");
            awaitEvent(alice, e -> type(e, "notice") && text(e, "text").equals("Devices of alice:"));
            awaitEvent(
                    alice,
                    e -> type(e, "notice") && text(e, "text").matches("  1  primary  last seen .*  \\(this device\\)"));
            alice.type("/unlink 1");
            awaitEvent(
                    alice,
                    e -> type(e, "error")
                            && text(e, "text").startsWith("Device 1 was not unlinked: device 1 is the account itself"));
            alice.type("/link 0000-0000-0000-0000-0000-0000-0000-0000");
            awaitEvent(
                    alice,
                    e -> type(e, "error")
                            && text(e, "text").startsWith("Nothing was linked: that link code has a typo"));

            alice.type("/decline");
            awaitEvent(
                    alice,
                    e -> type(e, "error") && !e.has("code") && text(e, "text").equals("Usage: /decline NAME"));

            assertThat(alice.quit()).isZero();
            assertThat(bob.quit()).isZero();
            for (ClientProcess c : List.of(alice, bob)) {
                String all = c.out().awaitEnd();
                assertThat(all).endsWith("\n");
                for (String line : all.split("\n", -1)) {
                    if (!line.isEmpty()) {
                        JsonObject e = JsonParser.parseString(line).getAsJsonObject(); // every line, or it fails
                        assertThat(e.has("type") && e.has("ts")).as(line).isTrue();
                    }
                }
                assertThat(events(c)).extracting(e -> text(e, "type")).startsWith("connected");
            }
            assertThat(events(bob)).extracting(e -> text(e, "type")).contains("message", "sent", "receipt");
        }
    }

    @Test
    void helpDescribesJsonMode() throws IOException, InterruptedException {
        Process p =
                SpartanJar.command("client", "--help").redirectErrorStream(true).start();
        String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(help.replaceAll("\\s+", " "))
                .contains("--json")
                .contains("one JSON object per line for every event")
                .contains("Sends delivery receipts unless --no-receipts");
    }

    private static boolean type(JsonObject e, String type) {
        return text(e, "type").equals(type);
    }

    private static boolean file(JsonObject e, String state) {
        return type(e, "file") && text(e, "state").equals(state);
    }

    private static boolean receipt(JsonObject e, String id, String state) {
        return type(e, "receipt")
                && text(e, "id").equals(id)
                && text(e, "state").equals(state);
    }

    private static String text(JsonObject e, String key) {
        return e.has(key) ? e.get(key).getAsString() : "";
    }

    private static List<JsonObject> events(ClientProcess c) {
        List<JsonObject> all = new ArrayList<>();
        for (String line : c.out().lines()) {
            all.add(JsonParser.parseString(line).getAsJsonObject());
        }
        return all;
    }

    private static JsonObject awaitEvent(ClientProcess c, Predicate<JsonObject> match) {
        List<JsonObject> found = new ArrayList<>();
        try {
            await().atMost(OutputLines.PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        events(c).stream().filter(match).findFirst().ifPresent(found::add);
                        return !found.isEmpty();
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    c + ": no such event in " + OutputLines.PATIENCE.toSeconds() + "s; stdout:\n"
                            + c.out().raw() + "\nstderr:\n" + c.err().raw(),
                    e);
        }
        return found.get(0);
    }
}
