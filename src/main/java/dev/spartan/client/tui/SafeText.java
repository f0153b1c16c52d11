package dev.spartan.client.tui;

import java.util.ArrayList;
import java.util.List;

/**
 * Text from others (message bodies, names, the server's words) made safe to print: it can never move the cursor,
 * clear the screen, set the clipboard or the title, or reorder what is shown. Control characters become caret
 * escapes ({@code ^[} for ESC), newline, CR and tab become {@code \n}, {@code \r}, {@code \t}, and C1 controls and
 * invisible direction or line-separator marks become {@code <U+202E>}. Only a message body keeps its newlines, as
 * separate lines the caller indents.
 */
final class SafeText {
    private SafeText() {}

    /** One line: every newline in it is shown as {@code \n}. */
    static String line(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> append(b, cp));
        return b.toString();
    }

    /** A message body: one safe line per line of the body (LF or CRLF ends a line). */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String l : text.split("\r\n|\n", -1)) {
            out.add(line(l));
        }
        return out;
    }

    /** True if the text would print as it is. */
    static boolean isSafe(String text) {
        return text.codePoints().allMatch(cp -> escape(cp) == null);
    }

    private static void append(StringBuilder b, int cp) {
        String escaped = escape(cp);
        if (escaped == null) {
            b.appendCodePoint(cp);
        } else {
            b.append(escaped);
        }
    }

    private static String escape(int cp) {
        switch (cp) {
            case '\n' -> {
                return "\\n";
            }
            case '\r' -> {
                return "\\r";
            }
            case '\t' -> {
                return "\\t";
            }
            case 0x7F -> {
                return "^?";
            }
            default -> {}
        }
        if (cp < 0x20) {
            return "^" + (char) (cp + 0x40);
        }
        if ((cp >= 0x80 && cp <= 0x9F) || isInvisibleControl(cp)) {
            return String.format(java.util.Locale.ROOT, "<U+%04X>", cp);
        }
        return null;
    }

    /**
     * Bidirectional overrides, embeddings and isolates (they reorder what follows, "Trojan Source"), the implicit
     * direction marks, the Unicode line and paragraph separators, the byte order mark and interlinear annotations.
     */
    private static boolean isInvisibleControl(int cp) {
        return cp == 0x061C
                || cp == 0x200E
                || cp == 0x200F
                || (cp >= 0x202A && cp <= 0x202E)
                || (cp >= 0x2066 && cp <= 0x2069)
                || cp == 0x2028
                || cp == 0x2029
                || cp == 0xFEFF
                || (cp >= 0xFFF9 && cp <= 0xFFFB);
    }
}
