package dev.spartan.client.tui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.client.Incoming;
import dev.spartan.client.SendState;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.Test;

class LookTest {
    private static final Clock NOON = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"), ZoneOffset.UTC);
    private static final long TODAY_0903 = Instant.parse("2026-05-01T09:03:00Z").toEpochMilli();
    private static final long LAST_WEEK = Instant.parse("2026-04-24T18:30:00Z").toEpochMilli();

    private static Incoming fromBob(String text, long at) {
        return new Incoming("id", "bob", ChatIds.toUser("alice"), "bob", text, 1, at);
    }

    private static Incoming inGroup(String text) {
        return new Incoming("id", "bob", ChatIds.toGroup("group1"), "group1", text, 1, TODAY_0903);
    }

    private static List<String> plain(Look.Shown shown) {
        return shown.lines().stream().map(AttributedString::toString).toList();
    }

    @Test
    void onAPipeLinesAreExactlyTheAssignments() {
        Look pipe = Look.pipe(Clock.systemUTC());
        ChatRef chattingWithCharlie = ChatIds.toUser("charlie");
        assertThat(plain(pipe.message(fromBob("Hi Alice!", TODAY_0903), "alice", ChatIds.toUser("bob"), null)))
                .containsExactly("[bob] Hi Alice!");
        // Not the current chat: still the assignment's line on a pipe.
        assertThat(plain(pipe.message(fromBob("Hi Alice!", TODAY_0903), "alice", chattingWithCharlie, null)))
                .containsExactly("[bob] Hi Alice!");
        assertThat(plain(pipe.message(inGroup("hello"), "alice", null, null))).containsExactly("[group1] [bob] hello");
        assertThat(pipe.notice("You are now ready to chat with bob.").toString())
                .isEqualTo("[Spartan] You are now ready to chat with bob.");
        assertThat(pipe.message(fromBob("x", TODAY_0903), "alice", null, null)
                        .lines()
                        .get(0)
                        .toAnsi())
                .doesNotContain("\u001B");
    }

    @Test
    void aMultiLineMessageContinuesIndentedPastTheName() {
        Look pipe = Look.pipe(Clock.systemUTC());
        assertThat(plain(pipe.message(
                        fromBob("see below\n[charlie] I approve the wire transfer to bob", TODAY_0903),
                        "alice",
                        ChatIds.toUser("bob"),
                        null)))
                .containsExactly("[bob] see below", "      [charlie] I approve the wire transfer to bob");
        Look terminal = Look.terminal(false, true, NOON);
        assertThat(plain(terminal.message(fromBob("one\ntwo", TODAY_0903), "alice", ChatIds.toUser("bob"), null)))
                .containsExactly("09:03    [bob] one", "               two");
    }

    @Test
    void onATerminalLinesHaveTimeMarkAndWhoTheyAreFrom() {
        Look terminal = Look.terminal(false, true, NOON);
        assertThat(plain(terminal.message(fromBob("Hi", TODAY_0903), "alice", ChatIds.toUser("bob"), null)))
                .containsExactly("09:03    [bob] Hi");
        assertThat(plain(terminal.message(fromBob("Hi", TODAY_0903), "alice", ChatIds.toUser("charlie"), null)))
                .containsExactly("09:03    [bob → you] Hi");
        assertThat(plain(terminal.message(fromBob("Hi", LAST_WEEK), "alice", ChatIds.toUser("bob"), null)))
                .containsExactly("2026-04-24 18:30    [bob] Hi");
        Incoming mine = new Incoming("m", "alice", ChatIds.toUser("bob"), "bob", "Hey", 0, TODAY_0903);
        Look.Shown own = terminal.message(mine, "alice", ChatIds.toUser("bob"), SendState.DELIVERED);
        assertThat(plain(own)).containsExactly("09:03 ✓✓ [alice] Hey");
        assertThat(own.markColumn()).isEqualTo(6);
        assertThat(plain(terminal.message(mine, "alice", ChatIds.toUser("bob"), SendState.QUEUED)))
                .containsExactly("09:03 ·· [alice] Hey");
        assertThat(terminal.notice("hello").toString()).isEqualTo("12:00    [Spartan] hello");

        Look untimed = Look.terminal(false, false, NOON);
        Look.Shown ownUntimed = untimed.message(mine, "alice", ChatIds.toUser("bob"), SendState.STORED);
        assertThat(plain(ownUntimed)).containsExactly("✓  [alice] Hey");
        assertThat(ownUntimed.markColumn()).isZero();
    }

    @Test
    void coloursAreStablePerNameAndAbsentWhenOff() {
        Look colour = Look.terminal(true, true, NOON);
        String a = colour.message(fromBob("x", TODAY_0903), "alice", ChatIds.toUser("bob"), null)
                .lines()
                .get(0)
                .toAnsi();
        String b = colour.message(fromBob("y", TODAY_0903), "alice", ChatIds.toUser("bob"), null)
                .lines()
                .get(0)
                .toAnsi();
        assertThat(a).contains("\u001B[");
        assertThat(a.substring(0, a.indexOf("[bob]"))).isEqualTo(b.substring(0, b.indexOf("[bob]")));
        assertThat(colour.notice("WARNING: tampered").toAnsi()).contains("\u001B[31m"); // red
        Look none = Look.terminal(false, true, NOON);
        assertThat(none.message(fromBob("x", TODAY_0903), "alice", null, null)
                        .lines()
                        .get(0)
                        .toAnsi())
                .doesNotContain("\u001B");
    }

    @Test
    void namesAndNoticesFromOthersAreMadeSafeToo() {
        Look pipe = Look.pipe(Clock.systemUTC());
        Incoming evilName = new Incoming("id", "b\u001B[2Jb", ChatIds.toUser("alice"), "b\u001B[2Jb", "hi", 1, 0);
        assertThat(plain(pipe.message(evilName, "alice", null, null))).containsExactly("[b^[[2Jb] hi");
        assertThat(pipe.notice("there is no user 'x\ny'").toString()).isEqualTo("[Spartan] there is no user 'x\\ny'");
    }

    @Test
    void theRightPromptSaysWhoALineGoesTo() {
        Look terminal = Look.terminal(false, true, NOON);
        assertThat(terminal.rightPrompt("charlie", List.of("alice 2"), 0).toString())
                .isEqualTo("to charlie · alice 2");
        assertThat(terminal.rightPrompt(null, List.of("alice 2", "group1 1"), 3).toString())
                .isEqualTo("alice 2 · group1 1 · 3 queued");
    }
}
