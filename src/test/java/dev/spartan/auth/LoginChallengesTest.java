package dev.spartan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.chat.Refusal;
import dev.spartan.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginChallengesTest {
    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_700_000_000_000L));
    private final LoginChallenges challenges = new LoginChallenges(3, Duration.ofSeconds(60), clock);

    @Test
    void aChallengeIsGoodOnceForItsUserBeforeItExpires() {
        byte[] nonce = challenges.issue("alice");
        assertThat(nonce).hasSize(32);
        assertThat(challenges.take("bob", nonce)).isFalse(); // and it is used up by the attempt
        assertThat(challenges.take("alice", nonce)).isFalse();

        byte[] again = challenges.issue("alice");
        assertThat(challenges.take("alice", again)).isTrue();
        assertThat(challenges.take("alice", again)).isFalse();

        byte[] late = challenges.issue("alice");
        clock.advance(Duration.ofSeconds(60));
        assertThat(challenges.take("alice", late)).isFalse();
    }

    @Test
    void theCapIsTrueAndExpiredChallengesFreeTheirPlaces() {
        challenges.issue("a");
        clock.advance(Duration.ofSeconds(30));
        challenges.issue("b");
        challenges.issue("c");
        assertThatThrownBy(() -> challenges.issue("d")).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.kind()).isEqualTo(Refusal.Kind.EXHAUSTED);
            assertThat(r.getMessage()).isEqualTo("too many logins in progress on this server; try again in 30 s");
        });
        assertThat(challenges.size()).isEqualTo(3);
        clock.advance(Duration.ofSeconds(30)); // the oldest expires
        challenges.issue("d");
        assertThat(challenges.size()).isEqualTo(3);
    }
}
