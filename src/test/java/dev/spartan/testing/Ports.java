package dev.spartan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free ports for the processes a test starts. The kernel hands out a port that is free now, and the same one again
 * to the next caller until someone binds it: a test that picked its server's port, then started Redis on another
 * "free" port, once got the same port twice (the server then found it taken). So every port handed out is held for
 * the rest of the build, in this JVM and, through a file under {@code target/test-ports/}, in the build's other test
 * JVMs; a file left by a build that ended long ago does not count.
 */
public final class Ports {
    private static final Path HELD = Path.of("target", "test-ports");
    private static final Duration STALE = Duration.ofMinutes(30);
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private Ports() {}

    public static int free() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                s.setReuseAddress(true);
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (HANDED_OUT.add(port) && holdAcrossJvms(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port that another test of this build does not hold");
    }

    private static boolean holdAcrossJvms(int port) {
        Path mark = HELD.resolve(Integer.toString(port));
        try {
            Files.createDirectories(HELD);
            Files.createFile(mark);
            return true;
        } catch (FileAlreadyExistsException e) {
            try {
                if (Files.getLastModifiedTime(mark)
                        .toInstant()
                        .isBefore(Instant.now().minus(STALE))) {
                    Files.setLastModifiedTime(mark, FileTime.from(Instant.now())); // an old build's
                    return true;
                }
            } catch (IOException gone) {
                return false;
            }
            return false;
        } catch (IOException e) {
            return true; // no place to share the mark: this JVM's own record still holds
        }
    }
}
