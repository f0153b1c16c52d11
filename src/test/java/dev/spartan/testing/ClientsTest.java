package dev.spartan.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end tests of real client processes against one node: a fresh data directory and key directories per test. */
public abstract class ClientsTest {
    @TempDir
    protected Path dir;

    /** The port the node of this test listens on. */
    protected abstract int port();

    protected Path keys() {
        return dir.resolve("keys");
    }

    protected ClientProcess client(String user) {
        return new ClientProcess(user, keys(), port());
    }
}
