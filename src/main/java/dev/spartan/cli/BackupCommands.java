package dev.spartan.cli;

import dev.spartan.crypto.PrivateFiles;
import dev.spartan.proto.admin.AdminGrpc;
import dev.spartan.proto.admin.BackupRequest;
import dev.spartan.store.StoreBackup;
import dev.spartan.tls.ServerCertificate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code admin backup --to DIR} and {@code admin restore --from DIR --data NEWDIR}: the node copies its store while
 * it serves; this copies its {@code tls/} beside it (the admin token stays out: a restored node makes a new one),
 * says what the backup holds, and lays a backup out as a data directory.
 */
final class BackupCommands {
    static final String MANIFEST = "backup.txt";
    private static final List<String> TLS_FILES = List.of(ServerCertificate.CERT_FILE, ServerCertificate.KEY_FILE);

    private final PrintStream out;

    BackupCommands(PrintStream out) {
        this.out = out;
    }

    /** Checked before the node is asked anything: the target must be new or empty. */
    static void requireEmpty(Path to) throws IOException {
        if (Files.isDirectory(to)) {
            try (Stream<Path> entries = Files.list(to)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(to + " is not empty: back up into a new directory");
                }
            }
        }
    }

    void backup(AdminGrpc.AdminBlockingStub admin, Path data, Path to) throws IOException {
        Path dir = to.toAbsolutePath().normalize();
        PrivateFiles.createDir(dir);
        long bytes = admin.backup(BackupRequest.newBuilder()
                        .setStoreZip(dir.resolve(StoreBackup.STORE_ZIP).toString())
                        .build())
                .getBytes();
        List<String> copied = copyTls(data, dir);
        StoreBackup.Contents contents = StoreBackup.contents(dir);
        String newest = newest(contents);
        List<String> manifest = new ArrayList<>(List.of(
                "spartan-backup/1",
                "taken-at: " + Instant.now(),
                "store-epoch: " + contents.epoch(),
                "files: " + String.join(" ", files(copied)),
                "last-acknowledged-message: " + newest));
        Files.write(dir.resolve(MANIFEST), manifest, StandardCharsets.UTF_8);
        out.println("Backed up the node of " + data + " to " + dir + ":");
        out.println("  " + StoreBackup.STORE_ZIP + " (" + bytes + " bytes): the store, epoch " + contents.epoch() + ", "
                + contents.messages() + " message(s) in its histories");
        for (String file : copied) {
            out.println("  " + file);
        }
        out.println("  " + MANIFEST);
        out.println("Not included: admin.access (a restored node makes a new admin token).");
        out.println("Last acknowledged message in the backup: " + newest);
    }

    void restore(Path from, Path data) throws IOException {
        if (!Files.exists(from.resolve(StoreBackup.STORE_ZIP))) {
            throw new IOException(from + " holds no " + StoreBackup.STORE_ZIP + ": not a backup of 'admin backup'");
        }
        StoreBackup.Restored r = StoreBackup.restore(from, data);
        List<String> copied = copyTls(from, data);
        out.println("Restored " + from + " into " + data + ": the store ("
                + r.contents().messages()
                + " message(s) in its histories) and " + (copied.isEmpty() ? "no tls/" : String.join(", ", copied))
                + ".");
        out.println("Last acknowledged message in it: " + newest(r.contents()));
        out.println("The store's epoch is now " + r.newEpoch() + " (was "
                + r.contents().epoch()
                + "): clients start over from its first event and drop what they have already shown.");
        out.println(r.oneTimePreKeysDropped() + " one-time prekey(s) dropped, since any may have been handed out"
                + " after the backup; clients upload new ones at their next login.");
        out.println("Not restored: messages acknowledged after the backup was taken. Start the node with --data " + data
                + ".");
    }

    /** Copies the node's certificate and key, if it has its own (none with --tls-cert); returns what it copied. */
    private static List<String> copyTls(Path fromDir, Path toDir) throws IOException {
        List<String> copied = new ArrayList<>();
        for (String name : TLS_FILES) {
            Path source = fromDir.resolve(name);
            if (Files.exists(source)) {
                Path target = toDir.resolve(name);
                PrivateFiles.createDir(target.getParent());
                PrivateFiles.write(target, Files.readAllBytes(source));
                copied.add(name);
            }
        }
        return copied;
    }

    private static List<String> files(List<String> tls) {
        List<String> all = new ArrayList<>(List.of(StoreBackup.STORE_ZIP));
        all.addAll(tls);
        return all;
    }

    private static String newest(StoreBackup.Contents contents) {
        return contents.newest()
                .map(m -> "id " + m.id() + " from " + m.sender() + " in " + m.chatKey() + " at "
                        + Instant.ofEpochMilli(m.sentAtMillis()))
                .orElse("none (the store holds no message)");
    }
}
