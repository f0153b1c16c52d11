package dev.spartan.store;

import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

class EmbeddedStoreTest extends MessageStoreContract {
    private EmbeddedStore store;

    @BeforeEach
    void open() {
        store = EmbeddedStore.inMemory(Clock.systemUTC());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    MessageStore store() {
        return store;
    }
}
