package dev.spartan.auth;

import dev.spartan.chat.Refusal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The login challenges handed out and not yet answered: at most {@code cap} of them node-wide, each valid once for a
 * fixed time. Kept in insertion order, which is also expiry order, so dropping the expired ones looks only at the
 * oldest entries: each call costs O(1) amortized however many are open.
 */
final class LoginChallenges {
    private record Open(String user, long expiresAtMillis) {}

    private final int cap;
    private final long ttlMillis;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();

    LoginChallenges(int cap, Duration ttl, Clock clock) {
        if (cap < 1) {
            throw new IllegalArgumentException("cap must be at least 1");
        }
        this.cap = cap;
        this.ttlMillis = ttl.toMillis();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A fresh 32-byte nonce for {@code user}; refused while {@code cap} challenges are open. */
    synchronized byte[] issue(String user) {
        long now = clock.millis();
        dropExpired(now);
        if (open.size() >= cap) {
            long wait = Math.max(1, (open.values().iterator().next().expiresAtMillis() - now + 999) / 1000);
            throw Refusal.exhausted("too many logins in progress on this server; try again in " + wait + " s");
        }
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        open.put(key(nonce), new Open(user, now + ttlMillis));
        return nonce;
    }

    /** Uses up the challenge; true if it was open, for this user, and not expired. */
    synchronized boolean take(String user, byte[] nonce) {
        Open o = open.remove(key(nonce));
        return o != null && o.user().equals(user) && clock.millis() < o.expiresAtMillis();
    }

    synchronized int size() {
        return open.size();
    }

    private void dropExpired(long now) {
        for (Iterator<Map.Entry<String, Open>> it = open.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue().expiresAtMillis() > now) {
                return;
            }
            it.remove();
        }
    }

    private static String key(byte[] nonce) {
        return Base64.getEncoder().encodeToString(nonce);
    }
}
