package dev.spartan.ratelimit;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the current rate-limited call, or the current message of a rate-limited stream, cost its caller. The service
 * gives it back when it turned out not to count: a resend answered "duplicate", or a refusal that is the protocol's
 * own recovery. So {@code @RateLimit} keeps meaning "per message", not "per attempt". On a stream each message gets
 * its own charge, which may be a denial: the stream answers that one message and stays open.
 */
public final class Charge {
    private static final Logger log = LoggerFactory.getLogger(Charge.class);
    static final Context.Key<Charge> CURRENT = Context.key("spartan-rate-limit-charge");

    private final Decision decision;
    private final StatusRuntimeException denial;
    private final AtomicBoolean refunded = new AtomicBoolean();

    Charge(Decision decision) {
        this.decision = Objects.requireNonNull(decision, "decision");
        this.denial = null;
    }

    private Charge(StatusRuntimeException denial) {
        this.decision = Decision.allow();
        this.denial = Objects.requireNonNull(denial, "denial");
    }

    /** A message the limiter did not admit (or could not rule on): {@code denial} is what the caller is told. */
    static Charge denied(StatusRuntimeException denial) {
        return new Charge(denial);
    }

    /** The charge of the current call or stream message; empty if it is not rate limited. */
    public static Optional<Charge> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Gives back what the current call was charged, once; nothing if it was not rate limited. */
    public static void refundCurrent() {
        Charge charge = CURRENT.get();
        if (charge != null) {
            charge.refund();
        }
    }

    /** Why the message was not admitted (RESOURCE_EXHAUSTED with RetryInfo, or UNAVAILABLE); empty if admitted. */
    public Optional<StatusRuntimeException> denial() {
        return Optional.ofNullable(denial);
    }

    /** Gives back what this charge cost, once; nothing for a denial. */
    public void refund() {
        if (denial == null && refunded.compareAndSet(false, true)) {
            try {
                decision.refund();
            } catch (RuntimeException e) {
                // The limiter's store is down: the call stays counted, which is the safe side.
                log.debug("could not refund a rate-limited call: {}", e.toString());
            }
        }
    }
}
