package dev.spartan.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * End-to-end tests against one real server process with the shipped config.yaml, for what only a process shows
 * (its output, logs, signals, a kill). The rate limit is out of the way unless a test class says otherwise.
 */
public abstract class OneServerTest extends ClientsTest {
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

    @Override
    protected int port() {
        return server.port();
    }
}
