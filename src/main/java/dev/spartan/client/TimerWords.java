package dev.spartan.client;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The disappearing timer in words: {@code /timer 5s|10m|1h|1d|off}, and the notice both sides see. */
public final class TimerWords {
    /** A year, as the server allows. */
    static final int MAX_SECONDS = 365 * 24 * 3600;

    private static final Pattern AMOUNT = Pattern.compile("([1-9][0-9]{0,5})([smhd])");

    private TimerWords() {}

    /** Seconds for "5s", "10m", "1h", "1d", 0 for "off"; empty if it is none of these or over a year. */
    public static Optional<Integer> parse(String words) {
        if (words.equals("off")) {
            return Optional.of(0);
        }
        Matcher m = AMOUNT.matcher(words);
        if (!m.matches()) {
            return Optional.empty();
        }
        long unit = switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3600;
            default -> 86_400;
        };
        long seconds = Long.parseLong(m.group(1)) * unit;
        return seconds <= MAX_SECONDS ? Optional.of((int) seconds) : Optional.empty();
    }

    /** "1 hour", "10 minutes", "90 seconds": the largest unit that divides it. */
    public static String duration(int seconds) {
        if (seconds % 86_400 == 0) {
            return plural(seconds / 86_400, "day");
        }
        if (seconds % 3600 == 0) {
            return plural(seconds / 3600, "hour");
        }
        if (seconds % 60 == 0) {
            return plural(seconds / 60, "minute");
        }
        return plural(seconds, "second");
    }

    /** "alice set messages to disappear after 1 hour." or "alice turned disappearing messages off." */
    public static String notice(String who, int seconds) {
        return seconds == 0
                ? who + " turned disappearing messages off."
                : who + " set messages to disappear after " + duration(seconds) + ".";
    }

    private static String plural(int n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
