package dev.spartan.client;

import dev.spartan.proto.ChatRef;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** /send PATH, /save N [DIR] and /files, in the chat that is open. */
public final class FileCommands {
    /** Where /save puts files when no folder is given. */
    public static final Path DEFAULT_DIR = Path.of(System.getProperty("user.home"), "Downloads", "spartan");

    private final Attachments attachments;

    public FileCommands(Attachments attachments) {
        this.attachments = attachments;
    }

    /** Runs {@code words} if it is one of these commands; false if it is not. */
    public boolean run(String[] words, ChatRef chat, Consumer<String> reply) {
        if (!List.of("/send", "/save", "/files").contains(words[0])) {
            return false;
        }
        if (chat == null) {
            reply.accept("Open a chat first.");
            return true;
        }
        try {
            switch (words[0]) {
                case "/send" -> {
                    if (words.length < 2) {
                        reply.accept("Usage: /send PATH");
                    } else {
                        Attachments.Sending sending = attachments.send(
                                chat, expand(String.join(" ", List.of(words).subList(1, words.length))));
                        if (!attachments.showsTransfers()) {
                            reply.accept(sending.line());
                        }
                    }
                }
                case "/save" -> save(words, chat, reply);
                default -> files(chat, reply);
            }
        } catch (IOException e) {
            reply.accept("Error: " + e.getMessage());
        }
        return true;
    }

    private void save(String[] words, ChatRef chat, Consumer<String> reply) throws IOException {
        int n;
        try {
            n = Integer.parseInt(words.length > 1 ? words[1] : "");
        } catch (NumberFormatException e) {
            reply.accept("Usage: /save N [DIR] (N from /files)");
            return;
        }
        Path dir = words.length > 2 ? expand(words[2]) : DEFAULT_DIR;
        String line = attachments.save(chat, n, dir);
        if (!attachments.showsTransfers()) {
            reply.accept(line);
        }
    }

    private void files(ChatRef chat, Consumer<String> reply) {
        List<Attachments.Entry> list = attachments.files(chat);
        if (list.isEmpty()) {
            reply.accept("No files in this chat.");
        }
        for (Attachments.Entry e : list) {
            reply.accept(e.number() + ". " + e.pointer().getName() + " ("
                    + FileNames.size(e.pointer().getSize()) + ") from " + e.sender() + ": " + e.state());
        }
    }

    private static Path expand(String path) {
        return path.startsWith("~/") ? Path.of(System.getProperty("user.home"), path.substring(2)) : Path.of(path);
    }
}
