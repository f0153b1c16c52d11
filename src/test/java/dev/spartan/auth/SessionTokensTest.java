package dev.spartan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionTokensTest {
    private final List<String> ends = new CopyOnWriteArrayList<>();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private SessionTokens tokens;

    private SessionTokens tokens(Duration ttl, Clock clock) {
        tokens = new SessionTokens(ttl, clock);
        tokens.onEnd(new SessionTokens.Listener() {
            @Override
            public void ended(String user, SessionTokens.End reason) {
                ends.add(user + ":" + reason);
            }

            @Override
            public void issued(String user) {
                issued.add(user);
            }
        });
        return tokens;
    }

    @AfterEach
    void close() {
        tokens.close();
    }

    @Test
    void aNewLoginRevokesTheOlderTokenAndEndsItsSession() {
        SessionTokens t = tokens(Duration.ofHours(1), Clock.systemUTC());
        String first = t.issue("alice", "127.0.0.1");
        assertThat(t.session(first))
                .hasValueSatisfying(s -> assertThat(s.user()).isEqualTo("alice"));
        String second = t.issue("alice", "127.0.0.1");
        assertThat(t.session(first)).isEmpty();
        assertThat(t.session(second)).isPresent();
        assertThat(ends).containsExactly("alice:REPLACED");
        assertThat(issued).containsExactly("alice", "alice");
        assertThat(t.size()).isEqualTo(1); // one live token per user, however often they log in
    }

    @Test
    void logoutAndResetRevoke() {
        SessionTokens t = tokens(Duration.ofHours(1), Clock.systemUTC());
        String a = t.issue("alice", "p");
        String b = t.issue("bob", "p");
        t.revoke("alice", SessionTokens.End.LOGGED_OUT);
        t.revoke("bob", SessionTokens.End.RESET);
        t.revoke("carol", SessionTokens.End.RESET); // no session: nothing happens
        assertThat(t.session(a)).isEmpty();
        assertThat(t.session(b)).isEmpty();
        assertThat(ends).containsExactly("alice:LOGGED_OUT", "bob:RESET");
        assertThat(t.sessions()).isEmpty();
    }

    @Test
    void aTokenStopsWorkingWhenItsTimeIsUp() {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_700_000_000_000L));
        SessionTokens t = tokens(Duration.ofHours(12), clock);
        String token = t.issue("alice", "p");
        clock.advance(Duration.ofHours(12).minusMillis(1));
        assertThat(t.session(token)).isPresent();
        clock.advance(Duration.ofMillis(1));
        assertThat(t.session(token)).isEmpty();
        assertThat(ends).containsExactly("alice:EXPIRED");
    }

    @Test
    void expiryEndsTheSessionByItselfSoItsStreamCloses() {
        SessionTokens t = tokens(Duration.ofMillis(200), Clock.systemUTC());
        t.issue("alice", "p");
        await().atMost(Duration.ofSeconds(10)).until(() -> ends.contains("alice:EXPIRED"));
        assertThat(t.size()).isZero();
    }
}
