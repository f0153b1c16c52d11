package dev.spartan.testing;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * End-to-end tests of real client processes against a node in the test's JVM ({@link TlsNode}: the shipped
 * config.yaml, TLS on a free port, its own store), which starts in a fraction of a server process's time. The rate
 * limit is out of the way unless a test class says otherwise.
 */
public abstract class OneNodeTest extends ClientsTest {
    protected TlsNode server;

    /** Messages per user per {@link #rateWindow()}; the default lifts the limit. */
    protected int rateCount() {
        return 1000;
    }

    protected Duration rateWindow() {
        return Duration.ofSeconds(1);
    }

    @BeforeEach
    void startNode() throws Exception {
        server = new TlsNode(dir.resolve("server"), rateCount(), rateWindow());
    }

    @AfterEach
    void stopNode() {
        server.close();
    }

    @Override
    protected int port() {
        return server.port();
    }
}
