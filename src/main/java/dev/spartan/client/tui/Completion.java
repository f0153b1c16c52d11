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
            "/send",
            "/save",
            "/files",
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
            case "/send" -> files(line.word(), candidates, false);
            case "/save" -> {
                if (index == 2) {
                    files(line.word(), candidates, true);
                }
            }
            default -> {}
        }
    }

    /** The entries of the folder {@code typed} names, whose names start as its last part does. */
    static void files(String typed, List<Candidate> candidates, boolean foldersOnly) {
        String home = System.getProperty("user.home");
        String path = typed.startsWith("~/") ? home + typed.substring(1) : typed;
        int slash = path.lastIndexOf('/');
        java.nio.file.Path dir = java.nio.file.Path.of(slash < 0 ? "." : slash == 0 ? "/" : path.substring(0, slash));
        String shownDir = typed.substring(0, typed.lastIndexOf('/') + 1);
        try (java.nio.file.DirectoryStream<java.nio.file.Path> entries = java.nio.file.Files.newDirectoryStream(dir)) {
            for (java.nio.file.Path p : entries) {
                boolean folder = java.nio.file.Files.isDirectory(p);
                if (foldersOnly && !folder) {
                    continue;
                }
                String name = p.getFileName() + (folder ? "/" : "");
                // a folder is not complete: Tab goes on into it
                candidates.add(new Candidate(shownDir + name, name, null, null, null, null, !folder));
            }
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            // nothing to offer for a folder that cannot be read
        }
    }

    private static void add(List<Candidate> candidates, List<String> names) {
        names.forEach(n -> candidates.add(new Candidate(n)));
    }
}
