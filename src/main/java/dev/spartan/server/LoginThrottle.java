package dev.spartan.server;

import dev.spartan.config.SecurityConfig;
import dev.spartan.proto.AuthGrpc;
import dev.spartan.ratelimit.AddressRateLimitInterceptor;
import dev.spartan.ratelimit.LocalRateLimiter;
import dev.spartan.ratelimit.RateLimitConfig;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import java.util.Set;

/** {@code login_attempts_per_minute}: login challenges one IP address may ask this node for. */
final class LoginThrottle {
    private LoginThrottle() {}

    static ServerInterceptor perAddress(SecurityConfig config) {
        return new AddressRateLimitInterceptor(
                new LocalRateLimiter(new RateLimitConfig(config.loginsPerMinute(), Duration.ofMinutes(1))),
                Set.of(AuthGrpc.getChallengeMethod().getFullMethodName()),
                "login attempts");
    }
}
