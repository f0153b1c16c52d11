package dev.spartan.cli;

import dev.spartan.ops.ListenException;
import dev.spartan.redis.RedisUnreachableException;
import dev.spartan.store.StoreOpenException;
import java.util.Optional;

/**
 * The one line an operator reads when a node cannot start for a reason outside the program: a port taken, a data
 * directory in use, Redis away. Anything not recognised here is a bug and keeps its stack trace.
 */
final class StartupFailure {
    private StartupFailure() {}

    static Optional<String> describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ListenException
                    || t instanceof RedisUnreachableException
                    || t instanceof StoreOpenException) {
                return Optional.of(t.getMessage());
            }
        }
        return Optional.empty();
    }
}
