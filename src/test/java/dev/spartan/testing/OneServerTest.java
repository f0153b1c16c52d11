package dev.spartan.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end tests against one real server process with the shipped config.yaml, a fresh data directory and key
 * directories per test. The rate limit is out of the way unless a test class says otherwise.
 */
public abstract class OneServerTest {
    @TempDir
    protected Path dir;

    protected ServerProcess server;

    /** Extra {@code spartan server} arguments; the default lifts the rate limit. */
    protected String[] serverArgs() {
        return new String[] {"--rate-limit", "1000/1"};
    }

    @BeforeEach
    void startServer() {
        server = new ServerProcess(dir.resolve("server"), ServerProcess.defaultConfig(), serverArgs());
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    protected Path keys() {
        return dir.resolve("keys");
    }

    protected ClientProcess client(String user) {
        return new ClientProcess(user, keys(), server.port());
    }
}
