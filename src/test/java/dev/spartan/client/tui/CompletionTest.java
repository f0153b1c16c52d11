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
}
