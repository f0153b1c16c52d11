package dev.spartan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.chat.Refusal;
import dev.spartan.config.AddressRange;
import dev.spartan.config.SecurityConfig;
import dev.spartan.store.EmbeddedStore;
import dev.spartan.testing.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EnrollmentTest {
    private final EmbeddedStore store = EmbeddedStore.inMemory();
    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_700_000_000_000L));
    private final InetAddress loopback = address("127.0.0.1");
    private final InetAddress remote = address("192.0.2.7");

    @AfterEach
    void close() {
        store.close();
    }

    private Enrollment enrollment(SecurityConfig.Enrollment mode) {
        SecurityConfig d = SecurityConfig.DEFAULTS;
        return new Enrollment(
                new SecurityConfig(
                        mode,
                        d.enrollmentNetworks(),
                        Duration.ofHours(1),
                        d.sessionTtl(),
                        d.adminPort(),
                        d.maxConnectionsPerAddress(),
                        d.idleConnection(),
                        d.handshakeTimeout(),
                        d.minClientKeepAlive(),
                        d.maxOpenChallenges(),
                        d.loginsPerMinute(),
                        d.loginsPerUserPerMinute(),
                        d.maxHandshakesPerAddress(),
                        d.bindSessions()),
                store,
                clock);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getAllByName(literal)[0];
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void refused(Runnable r, String words) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(Refusal.class, e -> {
            assertThat(e.kind()).isEqualTo(Refusal.Kind.DENIED);
            assertThat(e.getMessage()).contains(words);
        });
    }

    @Test
    void loopbackNeedsNoCodeFromLoopbackOnly() {
        Enrollment e = enrollment(SecurityConfig.Enrollment.LOOPBACK);
        assertThatCode(() -> e.admit("alice", loopback, "")).doesNotThrowAnyException();
        assertThatCode(() -> e.admit("alice", address("::1"), "")).doesNotThrowAnyException();
        refused(() -> e.admit("alice", remote, ""), "needs an enrollment code from this address");
        refused(() -> e.admit("alice", null, ""), "needs an enrollment code");
    }

    @Test
    void inviteAlwaysNeedsTheRightFreshCodeOnce() {
        Enrollment e = enrollment(SecurityConfig.Enrollment.INVITE);
        refused(() -> e.admit("alice", loopback, ""), "needs an enrollment code");
        Enrollment.Code code = e.invite("alice");
        assertThat(code.code()).matches("[A-Z2-7]{4}(-[A-Z2-7]{4}){5}");
        assertThat(e.invited("alice")).isTrue();
        refused(() -> e.admit("alice", remote, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"), "wrong, used or expired");
        refused(() -> e.admit("bob", remote, code.code()), "wrong, used or expired"); // a code names its user
        assertThatCode(() -> e.admit(
                        "alice",
                        remote,
                        code.code().toLowerCase(java.util.Locale.ROOT).replace("-", "")))
                .doesNotThrowAnyException();
        e.enrolled("alice");
        assertThat(e.invited("alice")).isFalse();
        refused(() -> e.admit("alice", remote, code.code()), "wrong, used or expired");

        Enrollment.Code late = e.invite("bob");
        clock.advance(Duration.ofHours(1));
        refused(() -> e.admit("bob", remote, late.code()), "wrong, used or expired");
        assertThat(store.invite("alice")).isEmpty(); // only a hash was ever kept, and now not even that
    }

    @Test
    void anOutstandingCodeReservesTheUserUnderEveryRule() {
        Enrollment open = enrollment(SecurityConfig.Enrollment.OPEN);
        assertThatCode(() -> open.admit("alice", remote, "")).doesNotThrowAnyException();
        Enrollment.Code code = open.invite("alice");
        refused(() -> open.admit("alice", remote, ""), "reserved for the holder of an enrollment code");
        refused(() -> enrollment(SecurityConfig.Enrollment.LOOPBACK).admit("alice", loopback, ""), "reserved");
        assertThatCode(() -> open.admit("alice", remote, code.code())).doesNotThrowAnyException();
    }

    @Test
    void enrollmentNetworksDecideWhatCountsAsLocal() {
        assertThat(AddressRange.parse("127.0.0.0/8").contains(address("127.1.2.3")))
                .isTrue();
        assertThat(AddressRange.parse("10.0.0.0/9").contains(address("10.127.255.255")))
                .isTrue();
        assertThat(AddressRange.parse("10.0.0.0/9").contains(address("10.128.0.0")))
                .isFalse();
        assertThat(AddressRange.parse("::1/128").contains(address("127.0.0.1"))).isFalse();
        assertThat(List.of("300.1.1.1/8", "1.2.3.4/33", "host.example/8", "1.2.3.4/x"))
                .allSatisfy(bad ->
                        assertThatThrownBy(() -> AddressRange.parse(bad)).isInstanceOf(IllegalArgumentException.class));
    }
}
