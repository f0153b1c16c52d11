package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

    @Test
    void aClosedStoreFailsItsPing() {
        EmbeddedStore closed = EmbeddedStore.inMemory(Clock.systemUTC());
        closed.close();
        assertThatThrownBy(closed::ping).isInstanceOf(StoreUnavailableException.class);
    }
}
