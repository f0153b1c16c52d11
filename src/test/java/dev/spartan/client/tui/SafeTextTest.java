package dev.spartan.client.tui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SafeTextTest {
    private static void assertNoTerminalControl(String shown) {
        assertThat(shown.codePoints())
                .as("shown: %s", shown)
                .noneMatch(cp -> cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x202E || cp == 0x2066);
    }

    @Test
    void ordinaryTextIsUnchanged() {
        for (String s : new String[] {"Hey Bob!", "café 🎉 naïve", "שלום עולם", "日本語", "a\\nb", "1 < 2 > 0", ""}) {
            assertThat(SafeText.line(s)).isEqualTo(s);
            assertThat(SafeText.isSafe(s)).isTrue();
        }
    }

    @Test
    void osc52ClipboardWriteIsShownNotRun() {
        String osc52 = "\u001B]52;c;ZWNobyBoYWNrZWQ=\u0007";
        assertThat(SafeText.line("copy this" + osc52)).isEqualTo("copy this^[]52;c;ZWNobyBoYWNrZWQ=^G");
        // The string-terminator form, ESC \
        assertThat(SafeText.line("\u001B]52;c;eA==\u001B\\")).isEqualTo("^[]52;c;eA==^[\\");
        assertNoTerminalControl(SafeText.line(osc52));
    }

    @Test
    void clearScreenAndCursorMovesAreShownNotRun() {
        assertThat(SafeText.line("\u001B[2J\u001B[H")).isEqualTo("^[[2J^[[H");
        assertThat(SafeText.line("\u001B[1A\u001B[2Kforged")).isEqualTo("^[[1A^[[2Kforged");
        // A C1 CSI (one byte 0x9B) is read as ESC [ by some terminals.
        assertThat(SafeText.line("\u009B2J")).isEqualTo("<U+009B>2J");
        assertNoTerminalControl(SafeText.line("\u009B2J"));
    }

    @Test
    void windowTitleOscIsShownNotRun() {
        assertThat(SafeText.line("\u001B]0;pwned\u0007hi")).isEqualTo("^[]0;pwned^Ghi");
    }

    @Test
    void carriageReturnCannotOverwriteTheLine() {
        assertThat(SafeText.line("harmless\r[bob] evil")).isEqualTo("harmless\\r[bob] evil");
        assertThat(SafeText.lines("harmless\rover")).containsExactly("harmless\\rover");
    }

    @Test
    void bidiOverridesAreVisible() {
        String trojan = "user\u202Egnp.exe";
        assertThat(SafeText.line(trojan)).isEqualTo("user<U+202E>gnp.exe");
        assertThat(SafeText.line("\u2066\u2067\u2068\u2069\u202A\u202B\u202C\u202D\u200E\u200F\u061C"))
                .isEqualTo("<U+2066><U+2067><U+2068><U+2069><U+202A><U+202B><U+202C><U+202D><U+200E><U+200F>"
                        + "<U+061C>");
        assertThat(SafeText.line("a\u2028b\u2029c\uFEFF")).isEqualTo("a<U+2028>b<U+2029>c<U+FEFF>");
        assertThat(SafeText.isSafe(trojan)).isFalse();
    }

    @Test
    void aForgedLineInAMessageStaysInsideTheMessage() {
        String forged = "see you\n[charlie] I approve the wire transfer to bob";
        assertThat(SafeText.lines(forged)).containsExactly("see you", "[charlie] I approve the wire transfer to bob");
        // In a name or a notice, a newline never starts a new line.
        assertThat(SafeText.line(forged)).isEqualTo("see you\\n[charlie] I approve the wire transfer to bob");
        assertThat(SafeText.lines("a\r\nb\n\nc\n")).containsExactly("a", "b", "", "c", "");
    }

    @Test
    void everyOtherControlCharacterHasACaretForm() {
        assertThat(SafeText.line("\u0000\u0001\u0007\u0008\u000B\u000C\u001F\u007F\t"))
                .isEqualTo("^@^A^G^H^K^L^_^?\\t");
        for (int c = 0; c < 0x20; c++) {
            assertNoTerminalControl(SafeText.line(String.valueOf((char) c)));
        }
        for (int c = 0x7F; c <= 0x9F; c++) {
            assertNoTerminalControl(SafeText.line(String.valueOf((char) c)));
        }
    }

    @Test
    void linesOfABodyAreEachSafe() {
        assertThat(SafeText.lines("one\u001B[31m\ntwo\u0007")).containsExactly("one^[[31m", "two^G");
    }
}
