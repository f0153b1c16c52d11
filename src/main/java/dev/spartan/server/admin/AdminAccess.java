package dev.spartan.server.admin;

import dev.spartan.crypto.PrivateFiles;
import io.grpc.Metadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * How {@code ./spartan admin} finds and proves itself to a running node: the file {@value #FILE} in the node's data
 * directory, mode 600, holds the admin port on 127.0.0.1 and a random token that the node makes at each start. Only
 * who can read the data directory (the operator) can use the admin service.
 *
 * @param port  the admin service's port on 127.0.0.1
 * @param token sent as {@link #HEADER} on every admin call
 */
public record AdminAccess(int port, String token) {
    public static final String FILE = "admin.access";

    public static final Metadata.Key<String> HEADER =
            Metadata.Key.of("spartan-admin-token", Metadata.ASCII_STRING_MARSHALLER);

    static String newToken() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    void write(Path dataDir) throws IOException {
        PrivateFiles.createDir(dataDir);
        PrivateFiles.write(dataDir.resolve(FILE), (port + " " + token + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** Deletes the file if it is still this node's (a newer node on the same directory may have replaced it). */
    void remove(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (read(dataDir).equals(this)) {
                Files.deleteIfExists(file);
            }
        } catch (IOException | IllegalStateException e) {
            // gone or unreadable: nothing of ours to remove
        }
    }

    /** Reads the access file of the node whose data directory is {@code dataDir}; the message says what to do. */
    public static AdminAccess read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            throw new IOException("no running node uses " + dataDir + " (" + file + " is missing): start the server,"
                    + " or give its --data directory");
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read " + file + ": run this as the user who runs the server");
        }
        String[] parts = text.split(" ", -1);
        try {
            return new AdminAccess(Integer.parseInt(parts[0]), parts[1]);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + " is damaged: restart the server to write it again");
        }
    }
}
