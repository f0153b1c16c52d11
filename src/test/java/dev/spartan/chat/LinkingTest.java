package dev.spartan.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.proto.Event;
import dev.spartan.proto.PublicKeys;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.store.PendingLink;
import dev.spartan.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.ecc.ECKeyPair;

/** The rules of a link, on the real store with config.yaml's users and a clock the test moves. */
class LinkingTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final List<String> signalled = new ArrayList<>();
    private EmbeddedStore store;
    private Linking linking;

    @BeforeEach
    void setUp() {
        SpartanConfig config = ConfigLoader.load(Path.of("config.yaml"));
        store = EmbeddedStore.inMemory();
        store.pinKeys("alice", PublicKeys.getDefaultInstance());
        InboxWatchers watchers = new InboxWatchers() {
            @Override
            public void inboxesGrew(Collection<String> users) {
                signalled.addAll(users);
            }

            @Override
            public void eventsStored(Map<String, Event> stored) {}
        };
        linking = new Linking(new Directory(config, store, clock), store, watchers, clock, 3, 1000);
    }

    private static byte[] key() {
        return ECKeyPair.generate().getPublicKey().serialize();
    }

    @Test
    void aCompletedLinkMakesOneDeviceAndWakesTheNewDevice() {
        byte[] key = key();
        Linking.Opened opened = linking.open("alice", key, "laptop");
        assertThat(opened.slot()).hasSize(4);
        assertThat(opened.expiresMillis())
                .isEqualTo(clock.millis() + Duration.ofMinutes(10).toMillis());
        assertThat(linking.pending("alice", opened.slot()).deviceKey()).isEqualTo(key);

        assertThat(linking.complete("alice", opened.slot(), new byte[] {1, 2}).id())
                .isEqualTo(2);
        // the new device's wait first, then the inboxes told of the new device (its account's, its contacts')
        assertThat(signalled).first().isEqualTo(Linking.waitName(opened.slot()));
        assertThat(signalled).contains("alice").doesNotContain("alice#2");
        PendingLink answered = linking.state(opened.slot()).orElseThrow();
        assertThat(answered.state()).isEqualTo(PendingLink.State.COMPLETED);
        assertThat(answered.deviceId()).isEqualTo(2);
        assertThat(answered.sealedBundle()).containsExactly(1, 2);

        // One-time: the code answers nothing more.
        assertThatThrownBy(() -> linking.complete("alice", opened.slot(), new byte[] {3}))
                .isInstanceOf(Refusal.class)
                .hasMessage("no new device waits under that code: it expired after 10 minutes, was answered already,"
                        + " or is for another account");
        assertThat(store.devices("alice")).hasSize(1);
    }

    @Test
    void anotherAccountCannotSeeOrAnswerTheLink() {
        store.pinKeys("bob", PublicKeys.getDefaultInstance());
        Linking.Opened opened = linking.open("alice", key(), "laptop");
        assertThatThrownBy(() -> linking.pending("bob", opened.slot())).isInstanceOf(Refusal.class);
        assertThatThrownBy(() -> linking.complete("bob", opened.slot(), new byte[] {1}))
                .isInstanceOf(Refusal.class);
        assertThatThrownBy(() -> linking.decline("bob", opened.slot())).isInstanceOf(Refusal.class);
        assertThat(store.devices("bob")).isEmpty();
        assertThat(linking.state(opened.slot()).orElseThrow().state()).isEqualTo(PendingLink.State.OPEN);
    }

    @Test
    void aDeclinedOrExpiredLinkMakesNothing() {
        Linking.Opened declined = linking.open("alice", key(), "laptop");
        linking.decline("alice", declined.slot());
        assertThat(linking.state(declined.slot()).orElseThrow().state()).isEqualTo(PendingLink.State.DECLINED);
        assertThatThrownBy(() -> linking.complete("alice", declined.slot(), new byte[] {1}))
                .isInstanceOf(Refusal.class);

        Linking.Opened late = linking.open("alice", key(), "phone");
        clock.advance(Duration.ofMinutes(10));
        assertThatThrownBy(() -> linking.complete("alice", late.slot(), new byte[] {1}))
                .isInstanceOf(Refusal.class);
        assertThat(linking.state(late.slot())).isEmpty();
        assertThat(store.devices("alice")).isEmpty();
    }

    @Test
    void anAccountHasAtMostItsDevicesAndABadRequestGetsItsReason() {
        linking.complete("alice", linking.open("alice", key(), "one").slot(), new byte[] {1});
        Linking.Opened second = linking.open("alice", key(), "two");
        Linking.Opened third = linking.open("alice", key(), "three");
        linking.complete("alice", second.slot(), new byte[] {1});
        assertThatThrownBy(() -> linking.complete("alice", third.slot(), new byte[] {1}))
                .isInstanceOf(Refusal.class)
                .hasMessage(
                        "alice has 3 devices, the most this server allows: unlink one (/devices, /unlink N)" + " first")
                .extracting(e -> ((Refusal) e).kind())
                .isEqualTo(Refusal.Kind.EXHAUSTED);
        assertThatThrownBy(() -> linking.open("alice", key(), "four")).hasMessageStartingWith("alice has 3 devices");

        assertThatThrownBy(() -> linking.open("zed", key(), "x"))
                .hasMessage("'zed' is not a user of this server (see users in config.yaml)");
        assertThatThrownBy(() -> linking.open("bob", key(), "x"))
                .hasMessage("bob has not signed in on any device yet: start the client without --link to make this"
                        + " the first one");
        assertThatThrownBy(() -> linking.open("alice", new byte[32], "x"))
                .hasMessageStartingWith("device_key must be 33 bytes");
        for (String name : List.of("", " laptop", "a\u001b[2Jb", "x".repeat(33))) {
            assertThatThrownBy(() -> linking.open("alice", key(), name))
                    .as(name)
                    .hasMessage("device_name must be 1 to 32 printable characters without a space at either end");
        }
        assertThatThrownBy(() -> linking.pending("alice", new byte[5])).hasMessage("slot must be 4 bytes, not 5");
        assertThatThrownBy(() -> linking.complete("alice", third.slot(), new byte[1001]))
                .hasMessage("sealed_bundle must hold 1 to 1000 bytes, not 1001");
    }
}
