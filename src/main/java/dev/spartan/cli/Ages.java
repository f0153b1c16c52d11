package dev.spartan.cli;

import java.time.Duration;
import java.util.Optional;

/** Ages as an operator types them: a whole number and a unit, {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d}. */
final class Ages {
    private Ages() {}

    static Optional<Duration> parse(String text) {
        if (!text.matches("[0-9]{1,9}[smhd]")) {
            return Optional.empty();
        }
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        Duration age = switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return age.isZero() ? Optional.empty() : Optional.of(age);
    }
}
