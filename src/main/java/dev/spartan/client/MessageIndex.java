package dev.spartan.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Short numbers for the messages of each chat, so that a command can name one ({@code /edit 3 ...}): 1, 2, 3 ... in
 * the order this client first saw them (sent, received or listed by /history), stable for the session.
 */
final class MessageIndex {
    /** Messages numbered per chat; older ones lose their number. */
    static final int KEEP = 500;

    private final Map<String, List<String>> byChat = new HashMap<>();
    private final Map<String, Integer> firstNumber = new HashMap<>();
    private final Map<String, Integer> numbers = new HashMap<>();

    /** Gives the message the chat's next number, once; returns its number. */
    synchronized int add(String chat, String messageId) {
        Integer known = numbers.get(messageId);
        if (known != null) {
            return known;
        }
        List<String> ids = byChat.computeIfAbsent(chat, c -> new ArrayList<>());
        ids.add(messageId);
        int first = firstNumber.getOrDefault(chat, 1);
        int n = first + ids.size() - 1;
        numbers.put(messageId, n);
        if (ids.size() > KEEP) {
            numbers.remove(ids.remove(0));
            firstNumber.put(chat, first + 1);
        }
        return n;
    }

    synchronized Optional<Integer> number(String messageId) {
        return Optional.ofNullable(numbers.get(messageId));
    }

    /** The message numbered {@code n} in {@code chat}. */
    synchronized Optional<String> byNumber(String chat, int n) {
        List<String> ids = byChat.get(chat);
        if (ids == null) {
            return Optional.empty();
        }
        int i = n - firstNumber.getOrDefault(chat, 1);
        return i >= 0 && i < ids.size() ? Optional.of(ids.get(i)) : Optional.empty();
    }

    /** The newest message of {@code chat} that {@code fits}. */
    synchronized Optional<String> latest(String chat, Predicate<String> fits) {
        List<String> ids = byChat.getOrDefault(chat, List.of());
        for (int i = ids.size() - 1; i >= 0; i--) {
            if (fits.test(ids.get(i))) {
                return Optional.of(ids.get(i));
            }
        }
        return Optional.empty();
    }
}
