package dev.spartan.cli;

import dev.spartan.ops.ListenException;
import dev.spartan.redis.RedisRefusedException;
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
                    || t instanceof RedisRefusedException
                    || t instanceof StoreOpenException) {
                return Optional.of(t.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * 2 for a mistake a restart would not repair; 3 for a Redis that did not answer within the start wait, after
     * which a supervisor should start the node again.
     */
    static int exitCode(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RedisUnreachableException) {
                return ServerCommand.STORE_FAILED;
            }
        }
        return 2;
    }
}
