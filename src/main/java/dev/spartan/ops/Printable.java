package dev.spartan.ops;

/**
 * Text from a client, made safe for a log line: a user name or a status description can hold anything the client
 * sent, and a newline in it would let a client write log lines of its own.
 */
final class Printable {
    private static final int MAX = 200;

    private Printable() {}

    static String of(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX));
        for (int i = 0; i < text.length() && out.length() < MAX; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (text.length() > MAX) {
            out.append("...");
        }
        return out.toString();
    }
}
