package dev.spartan.ratelimit;

import io.grpc.Context;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the current rate-limited call cost its caller. The service gives it back when the call turned out not to
 * count: a resend answered "duplicate", or a refusal that is the protocol's own recovery. So {@code @RateLimit}
 * keeps meaning "per message", not "per attempt".
 */
public final class Charge {
    private static final Logger log = LoggerFactory.getLogger(Charge.class);
    static final Context.Key<Charge> CURRENT = Context.key("spartan-rate-limit-charge");

    private final Decision decision;
    private final AtomicBoolean refunded = new AtomicBoolean();

    Charge(Decision decision) {
        this.decision = Objects.requireNonNull(decision, "decision");
    }

    /** Gives back what the current call was charged, once; nothing if it was not rate limited. */
    public static void refundCurrent() {
        Charge charge = CURRENT.get();
        if (charge != null && charge.refunded.compareAndSet(false, true)) {
            try {
                charge.decision.refund();
            } catch (RuntimeException e) {
                // The limiter's store is down: the call stays counted, which is the safe side.
                log.debug("could not refund a rate-limited call: {}", e.toString());
            }
        }
    }
}
