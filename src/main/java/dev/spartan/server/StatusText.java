package dev.spartan.server;

/**
 * A status description made safe to show: it may quote what the caller sent (a user or group name), and a client
 * that prints it must not be made to run the caller's escape sequences. Control characters (C0, DEL, C1) and the
 * invisible direction and format marks become visible escapes ({@code \x1b}, {@code \u202e}); other text is kept.
 */
final class StatusText {
    private StatusText() {}

    static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean unsafe = c < 0x20 || (c >= 0x7f && c < 0xa0) || Character.getType(c) == Character.FORMAT;
            if (unsafe && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out == null) {
                continue;
            }
            if (!unsafe) {
                out.append(c);
            } else if (c < 0x100) {
                out.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c));
            } else {
                out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        return out == null ? text : out.toString();
    }
}
