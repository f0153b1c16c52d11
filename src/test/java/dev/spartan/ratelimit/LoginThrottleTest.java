package dev.spartan.ratelimit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.auth.Caller;
import dev.spartan.contract.RetryDelay;
import dev.spartan.testing.MutableClock;
import dev.spartan.tls.ChannelBinding;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Per (address, user) first, then per address, which a user who proved their key from there no longer meets. */
class LoginThrottleTest {
    private final MutableClock clock = new MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    private final LoginThrottle throttle = new LoginThrottle(3, 5, Duration.ofHours(12), clock);
    private final Caller host = new Caller(InetAddress.getLoopbackAddress(), ChannelBinding.plaintext());

    private void refused(String user, String words) {
        assertThatThrownBy(() -> throttle.admit(host, user)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            org.assertj.core.api.Assertions.assertThat(e.getStatus().getCode())
                    .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            org.assertj.core.api.Assertions.assertThat(e.getStatus().getDescription())
                    .isEqualTo(words);
            org.assertj.core.api.Assertions.assertThat(RetryDelay.of(e)).isPresent();
        });
    }

    @Test
    void oneNameIsStoppedBeforeItUsesUpTheAddress() {
        for (int i = 0; i < 3; i++) {
            throttle.admit(host, "mallory");
        }
        refused("mallory", "Too many login attempts for 'mallory' from 127.0.0.1 (3 per 60s)");
        throttle.admit(host, "bob");
        throttle.admit(host, "bob");
        refused("carol", "Too many login attempts from 127.0.0.1 (5 per 60s)");
    }

    @Test
    void aUserWhoProvedTheirKeyFromTheAddressGetsInDuringANeighboursFlood() {
        throttle.proved(host, "alice");
        for (String name : new String[] {"m1", "m2"}) {
            for (int i = 0; i < 3; i++) {
                try {
                    throttle.admit(host, name);
                } catch (StatusRuntimeException spent) {
                    // the address's budget is spent: the flood goes on regardless
                }
            }
        }
        refused("bob", "Too many login attempts from 127.0.0.1 (5 per 60s)");
        assertThatCode(() -> throttle.admit(host, "alice")).doesNotThrowAnyException();
        // Proof lasts a session lifetime; after it alice shares the address's budget again.
        clock.advance(Duration.ofHours(12));
        refused("alice", "Too many login attempts from 127.0.0.1 (5 per 60s)");
    }
}
