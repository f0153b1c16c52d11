package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PreKeyBundleRequest;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.WireSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * Prekeys as real clients keep them: a client process uploads its stock after logging in, another user drains it
 * one bundle at a time, and the next login of the owner tops it up again.
 */
class PreKeysIT extends OneNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final PreKeyBundleRequest BOB =
            PreKeyBundleRequest.newBuilder().setUser("bob").build();

    @Test
    void aDrainedStockIsToppedUpAtTheNextLoginAndEachOneTimeKeyIsGivenOutOnce() throws Exception {
        Path bobKeys = keys().resolve("bob");
        Set<Integer> given = new HashSet<>();
        try (WireSession alice = WireSession.login("alice", keys().resolve("alice"), server.port())) {
            // bob's client uploads after its login; until then he has no bundle.
            try (ClientProcess bob = client("bob")) {
                PreKeyBundle first = await().atMost(WAIT)
                        .ignoreExceptions()
                        .until(() -> alice.stub().fetchPreKeyBundle(BOB), PreKeyBundle::hasOneTimePreKey);
                given.add(first.getOneTimePreKey().getId());
                assertThat(bob.quit()).isZero();
            }
            for (String file : List.of(
                    "signal-identity.key",
                    "signal-signed-prekeys",
                    "signal-kyber-prekeys",
                    "signal-one-time-prekeys")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bobKeys.resolve(file))))
                        .as(file)
                        .isEqualTo("rw-------");
            }

            // bob is offline: alice can still start sessions with him, each bundle with a one-time key of its own.
            byte[] bobIdentity = WireSession.identity(bobKeys)
                    .signalIdentity()
                    .getPublicKey()
                    .serialize();
            for (int i = 1; i < 100; i++) {
                PreKeyBundle b = alice.stub().fetchPreKeyBundle(BOB);
                assertThat(b.getIdentityKey().toByteArray()).isEqualTo(bobIdentity);
                assertThat(new IdentityKey(b.getIdentityKey().toByteArray())
                                .getPublicKey()
                                .verifySignature(
                                        b.getSignedPreKey().getPublicKey().toByteArray(),
                                        b.getSignedPreKey().getSignature().toByteArray()))
                        .isTrue();
                assertThat(b.hasOneTimePreKey()).as("bundle %d", i + 1).isTrue();
                assertThat(given.add(b.getOneTimePreKey().getId()))
                        .as(
                                "one-time prekey %d given out twice",
                                b.getOneTimePreKey().getId())
                        .isTrue();
            }
            PreKeyBundle exhausted = alice.stub().fetchPreKeyBundle(BOB);
            assertThat(exhausted.hasOneTimePreKey()).isFalse();
            assertThat(exhausted.hasKyberPreKey()).isTrue();

            // bob's next login tops the stock up with new keys.
            try (ClientProcess bob = client("bob")) {
                PreKeyBundle again = await().atMost(WAIT)
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> alice.stub().fetchPreKeyBundle(BOB), PreKeyBundle::hasOneTimePreKey);
                assertThat(given).doesNotContain(again.getOneTimePreKey().getId());
                assertThat(bob.quit()).isZero();
            }
        }
    }
}
