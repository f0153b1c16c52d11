package dev.spartan.client.tui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.reader.Candidate;
import org.jline.reader.Parser;
import org.jline.reader.impl.DefaultParser;
import org.junit.jupiter.api.Test;

class CompletionTest {
    private final AtomicBoolean asksForName = new AtomicBoolean();
    private final Completion completion = new Completion(
            () -> List.of("bob", "charlie"), () -> List.of("group1"), () -> List.of("team"), asksForName::get);

    private List<String> complete(String line) {
        List<Candidate> out = new ArrayList<>();
        completion.complete(null, new DefaultParser().parse(line, line.length(), Parser.ParseContext.COMPLETE), out);
        return out.stream().map(Candidate::value).toList();
    }

    @Test
    void commandsAfterASlash() {
        assertThat(complete("/")).containsAll(Completion.COMMANDS).hasSize(Completion.COMMANDS.size());
        assertThat(complete("/ch")).contains("/chat"); // JLine filters by the prefix
    }

    @Test
    void namesWhereACommandTakesOne() {
        assertThat(complete("/chat ")).containsExactly("bob", "charlie", "group1");
        assertThat(complete("/accept ")).containsExactly("bob", "charlie", "team");
        assertThat(complete("/verify ")).containsExactly("bob", "charlie");
        assertThat(complete("/verify ch")).containsExactly("bob", "charlie");
        assertThat(complete("/group ")).containsExactly("group1");
        assertThat(complete("/leave ")).containsExactly("group1");
        assertThat(complete("/newgroup ")).isEmpty(); // the new group's name is the user's to choose
        assertThat(complete("/newgroup team ")).containsExactly("bob", "charlie");
        assertThat(complete("/chat bob ")).isEmpty();
        assertThat(complete("/history ")).isEmpty();
    }

    @Test
    void sendCompletesFileNamesAndSaveFolders(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Files.writeString(dir.resolve("report.pdf"), "x");
        java.nio.file.Files.createDirectory(dir.resolve("logs"));
        assertThat(complete("/send " + dir + "/")).containsExactlyInAnyOrder(dir + "/report.pdf", dir + "/logs/");
        assertThat(complete("/save 1 " + dir + "/")).containsExactly(dir + "/logs/");
    }

    @Test
    void namesAloneOnlyWhereTheClientAsksForAUser() {
        assertThat(complete("ch")).isEmpty(); // message text is not completed
        asksForName.set(true);
        assertThat(complete("ch")).containsExactly("bob", "charlie", "group1");
    }

    @Test
    void atCompletesTheMembersOfTheGroupOnThePrompt() {
        assertThat(complete("see you @")).isEmpty(); // no group on the prompt
        completion.mentionsFrom(() -> List.of("alice", "bob", "charlie"));
        assertThat(complete("see you @")).containsExactly("@alice", "@bob", "@charlie");
        assertThat(complete("@b")).containsExactly("@alice", "@bob", "@charlie"); // JLine filters by the prefix
        assertThat(complete("see you b")).isEmpty();
    }

    @Test
    void aMentionCountsApartInTheUnreadSummary() {
        Unread unread = new Unread();
        unread.arrived("group1");
        unread.arrived("group1");
        unread.mentioned("group1");
        unread.arrived("group1");
        unread.arrived("bob");
        assertThat(unread.summary()).containsExactly("bob 1", "group1 3 @1");
        unread.read("group1");
        assertThat(unread.summary()).containsExactly("bob 1");
        assertThat(Mentions.names("@bob release?", "bob")).isTrue();
        assertThat(Mentions.names("ask @bobby", "bob")).isFalse();
        assertThat(Mentions.names("mail bob@bob.org", "bob")).isFalse();
        assertThat(Mentions.names("(@bob)", "bob")).isTrue();
    }
}
