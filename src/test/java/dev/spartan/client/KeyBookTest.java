package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.PeerKeyStore;
import dev.spartan.proto.PublicKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peer keys a client trusts: pinned on first sight, a change held until /trust, a forged change taken back. */
class KeyBookTest {
    @TempDir
    Path dir;

    private static PublicKeys keys(Identity id) {
        return PublicKeys.newBuilder()
                .setIdentityKey(
                        ByteString.copyFrom(id.signalIdentity().getPublicKey().serialize()))
                .build();
    }

    @Test
    void aChangeTheServerTakesBackHoldsNothingBack() throws Exception {
        PublicKeys real = keys(Identity.generate());
        PublicKeys forged = keys(Identity.generate());
        AtomicReference<PublicKeys> served = new AtomicReference<>(real);
        List<String> said = new ArrayList<>();
        KeyBook book = new KeyBook(new PeerKeyStore(dir), u -> Optional.of(served.get()), said::add);

        assertThat(book.trusted("bob")).isPresent();
        served.set(forged);
        book.refresh("bob");
        assertThat(book.hasChanged("bob")).isTrue();
        assertThat(book.trusted("bob")).as("on hold").isEmpty();

        served.set(real);
        book.refresh("bob");
        assertThat(book.hasChanged("bob")).isFalse();
        assertThat(book.trusted("bob")).isPresent();
        assertThat(said)
                .containsExactly(
                        "WARNING: bob's identity key has changed. Messages to bob are on hold. Compare safety numbers"
                                + " with /verify bob, then accept the new key with /trust bob.",
                        "The server shows bob's pinned identity key again: messages to bob are no longer on hold.");
    }
}
