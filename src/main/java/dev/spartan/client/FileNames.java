package dev.spartan.client;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** File names from a sender made safe to write and to show, and a name in a folder that is not taken yet. */
public final class FileNames {
    /** The longest name kept, in characters. */
    public static final int MAX_LENGTH = 120;

    private FileNames() {}

    /**
     * A name that can be neither a path nor a terminal escape: separators, control characters (C0, DEL, C1) and
     * direction overrides become {@code _}, leading dots go, at most {@link #MAX_LENGTH} characters (the extension
     * kept), and what is left empty (or {@code ..}) becomes {@code file}.
     */
    public static String sanitise(String name) {
        StringBuilder b = new StringBuilder();
        name.codePoints().forEach(c -> {
            boolean bad = c == '/'
                    || c == '\\'
                    || c < 0x20
                    || (c >= 0x7f && c <= 0x9f)
                    || c == ':'
                    || (c >= 0x202a && c <= 0x202e)
                    || (c >= 0x2066 && c <= 0x2069)
                    || c == 0x200e
                    || c == 0x200f;
            b.appendCodePoint(bad ? '_' : c);
        });
        String s = b.toString().strip();
        while (s.startsWith(".")) {
            s = s.substring(1);
        }
        if (s.length() > MAX_LENGTH) {
            int dot = s.lastIndexOf('.');
            String ext = dot > 0 && s.length() - dot <= 16 ? s.substring(dot) : "";
            s = s.substring(0, MAX_LENGTH - ext.length()) + ext;
        }
        return s.isEmpty() ? "file" : s;
    }

    /**
     * Moves {@code from} to {@code dir/name}, or {@code name (1).ext}, {@code name (2).ext} ... if taken; never
     * replaces a file.
     */
    public static Path moveToFree(Path from, Path dir, String name) throws IOException {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int n = 0; ; n++) {
            Path target = dir.resolve(n == 0 ? name : stem + " (" + n + ")" + ext);
            try {
                Files.createFile(target); // claims the name; the move below then replaces our own empty file
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            Files.move(from, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
    }

    /** {@code 1.2 MB}, {@code 340 KB}, {@code 12 B}. */
    public static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        if (bytes < 1_000_000) {
            return String.format(Locale.ROOT, "%.0f KB", bytes / 1e3);
        }
        if (bytes < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
