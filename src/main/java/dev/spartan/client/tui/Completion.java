package dev.spartan.client.tui;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion: commands after a {@code /}, then user or group names where a command takes one; names alone
 * where the client asks for a user. Ordinary message text is not completed. It reads only thread-safe suppliers,
 * because JLine calls it while holding its lock.
 */
final class Completion implements Completer {
    static final List<String> COMMANDS = List.of(
            "/chat",
            "/group",
            "/accept",
            "/decline",
            "/users",
            "/history",
            "/discard",
            "/clear",
            "/verify",
            "/trust",
            "/newgroup",
            "/leave",
            "/reply",
            "/edit",
            "/delete",
            "/react",
            "/timer",
            "/help",
            "/logout",
            "/quit");
    private final Supplier<List<String>> users;
    private final Supplier<List<String>> groups;
    private final Supplier<List<String>> invitations;
    private final BooleanSupplier asksForName;
    private volatile Supplier<List<String>> mentions = List::of;

    /** @param invitations the groups this user is invited to and has not answered: /accept and /decline take them */
    Completion(
            Supplier<List<String>> users,
            Supplier<List<String>> groups,
            Supplier<List<String>> invitations,
            BooleanSupplier asksForName) {
        this.users = users;
        this.groups = groups;
        this.invitations = invitations;
        this.asksForName = asksForName;
    }

    /** The names "@" completes to: the members of the group on the prompt. */
    void mentionsFrom(Supplier<List<String>> members) {
        this.mentions = members;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        if (line.word().startsWith("@")) {
            mentions.get().forEach(n -> candidates.add(new Candidate("@" + n))); // members of the group on the prompt
            return;
        }
        String first = words.isEmpty() ? "" : words.get(0);
        if (index == 0) {
            if (first.startsWith("/")) {
                COMMANDS.forEach(c -> candidates.add(new Candidate(c)));
            } else if (asksForName.getAsBoolean()) {
                add(candidates, users.get());
                add(candidates, groups.get());
            }
            return;
        }
        switch (first) {
            case "/chat" -> {
                if (index == 1) {
                    add(candidates, users.get());
                    add(candidates, groups.get());
                }
            }
            case "/accept", "/decline" -> {
                if (index == 1) {
                    add(candidates, users.get());
                    add(candidates, invitations.get());
                }
            }
            case "/verify", "/trust", "/discard" -> {
                if (index == 1) {
                    add(candidates, users.get());
                }
            }
            case "/group", "/leave" -> {
                if (index == 1) {
                    add(candidates, groups.get());
                }
            }
            case "/newgroup" -> {
                if (index >= 2) {
                    add(candidates, users.get());
                }
            }
            default -> {}
        }
    }

    private static void add(List<Candidate> candidates, List<String> names) {
        names.forEach(n -> candidates.add(new Candidate(n)));
    }
}
