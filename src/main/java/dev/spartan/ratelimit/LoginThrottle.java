package dev.spartan.ratelimit;

import dev.spartan.auth.Caller;
import dev.spartan.auth.LoginGate;
import dev.spartan.config.SecurityConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How many login challenges one address may ask for. First per (address, user), {@code
 * login_attempts_per_user_per_minute}, so a flood for one name stops early; then per address, {@code
 * login_attempts_per_minute}, except for a user who has logged in from that address with a valid key within the
 * session lifetime: everyone behind one address (a host, a NAT, a proxy) shares the per-address budget, and a
 * neighbour who spends it must not lock out a user who has proved their key there.
 */
public final class LoginThrottle implements LoginGate {
    /** Proven (address, user) pairs remembered at most; the oldest are forgotten first. */
    private static final int PROVEN_KEPT = 100_000;

    private final RateLimiter perUser;
    private final RateLimiter perAddress;
    private final long provenMillis;
    private final Clock clock;
    private final Map<String, Long> provenUntil = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > PROVEN_KEPT;
        }
    };

    public LoginThrottle(int perUserPerMinute, int perAddressPerMinute, Duration provenFor, Clock clock) {
        this.perUser = new LocalRateLimiter(new RateLimitConfig(perUserPerMinute, Duration.ofMinutes(1)));
        this.perAddress = new LocalRateLimiter(new RateLimitConfig(perAddressPerMinute, Duration.ofMinutes(1)));
        this.provenMillis = provenFor.toMillis();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static LoginThrottle of(SecurityConfig config, Clock clock) {
        return new LoginThrottle(config.loginsPerUserPerMinute(), config.loginsPerMinute(), config.sessionTtl(), clock);
    }

    /** Throws RESOURCE_EXHAUSTED with RetryInfo when a limit is reached. */
    @Override
    public void admit(Caller caller, String user) {
        String address = caller.addressText();
        String pair = pair(address, user);
        Decision forUser = perUser.tryAcquire(pair);
        if (!forUser.allowed()) {
            throw denied("for '" + user + "' from " + address, perUser, forUser);
        }
        if (proven(pair)) {
            return;
        }
        Decision forAddress = perAddress.tryAcquire(address);
        if (!forAddress.allowed()) {
            throw denied("from " + address, perAddress, forAddress);
        }
    }

    /** {@code user} logged in from {@code caller} with a valid key: the per-address budget no longer stops them. */
    @Override
    public void proved(Caller caller, String user) {
        synchronized (provenUntil) {
            provenUntil.put(pair(caller.addressText(), user), clock.millis() + provenMillis);
        }
    }

    private boolean proven(String pair) {
        synchronized (provenUntil) {
            Long until = provenUntil.get(pair);
            if (until != null && until <= clock.millis()) {
                provenUntil.remove(pair);
                return false;
            }
            return until != null;
        }
    }

    private static String pair(String address, String user) {
        return address + "\u0000" + user;
    }

    private static RuntimeException denied(String whose, RateLimiter limiter, Decision decision) {
        RateLimitConfig cfg = limiter.config();
        return RateLimitInterceptor.exhausted(
                String.format(
                        Locale.ROOT,
                        "Too many login attempts %s (%d per %s)",
                        whose,
                        cfg.maxCalls(),
                        RateLimitInterceptor.human(cfg.window())),
                decision.retryAfter());
    }
}
