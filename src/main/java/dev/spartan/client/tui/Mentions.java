package dev.spartan.client.tui;

import java.util.regex.Pattern;

/** {@code @name} in a group message: the named member's client highlights it and counts it apart as unread. */
final class Mentions {
    private Mentions() {}

    /** True if {@code text} mentions {@code name} ("@bob", not "@bobby" or "x@bob"). */
    static boolean names(String text, String name) {
        return pattern(name).matcher(text).find();
    }

    static Pattern pattern(String name) {
        return Pattern.compile("(?<![\\p{L}\\p{N}_@])@" + Pattern.quote(name) + "(?![\\p{L}\\p{N}_-])");
    }
}
