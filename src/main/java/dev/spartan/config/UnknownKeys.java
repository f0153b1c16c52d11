package dev.spartan.config;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds keys in a config file that the loader never asked for: most often a typo, which would otherwise silently
 * leave a setting at its default. Names the nearest known key when there is one.
 */
final class UnknownKeys {
    private UnknownKeys() {}

    /** The first unknown key anywhere in the file, as an error that names the key and what was probably meant. */
    static Optional<ConfigException> find(String source, Object root) {
        return find(source, root, "", false);
    }

    /**
     * After the loader failed on a missing or bad key: an unknown key that is a likely misspelling of a known key
     * missing from the file, which is the better explanation of the failure.
     */
    static Optional<ConfigException> findTypo(String source, Object root) {
        return find(source, root, "", true);
    }

    private static Optional<ConfigException> find(String source, Object node, String prefix, boolean typosOnly) {
        if (!(node instanceof AskedKeys map)) {
            return Optional.empty();
        }
        for (Map.Entry<Object, Object> e : List.copyOf(map.quietEntries())) {
            String key = String.valueOf(e.getKey());
            if (map.wasAsked(key)) {
                Optional<ConfigException> nested = find(source, e.getValue(), prefix + key + ".", typosOnly);
                if (nested.isPresent()) {
                    return nested;
                }
                continue;
            }
            Optional<String> nearest = nearest(
                    key,
                    map.asked().stream()
                            .filter(k -> !typosOnly || !map.hasQuietly(k))
                            .toList());
            if (nearest.isPresent()) {
                return Optional.of(new ConfigException(source + ": unknown key '" + prefix + key + "' (did you mean '"
                        + prefix + nearest.get() + "'?)"));
            }
            if (!typosOnly) {
                return Optional.of(new ConfigException(source + ": unknown key '" + prefix + key
                        + "'; known keys here: " + String.join(", ", map.asked())));
            }
        }
        return Optional.empty();
    }

    /** The known key closest to {@code key}, if it is close enough to be what was meant. */
    static Optional<String> nearest(String key, List<String> known) {
        return known.stream()
                .min(Comparator.comparingInt(k -> distance(key, k)))
                .filter(k -> distance(key, k) <= Math.max(2, k.length() / 4));
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
