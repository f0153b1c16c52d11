package dev.spartan.cli;

import dev.spartan.ops.ListenException;
import dev.spartan.redis.RedisUnreachableException;
import java.nio.file.Path;
import java.util.Optional;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;

/**
 * The one line an operator reads when a node cannot start for a reason outside the program: a port taken, a data
 * directory in use, Redis away. Anything not recognised here is a bug and keeps its stack trace.
 */
final class StartupFailure {
    private StartupFailure() {}

    static Optional<String> describe(Throwable failure, Path dataDir) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ListenException || t instanceof RedisUnreachableException) {
                return Optional.of(t.getMessage());
            }
            // H2's file lock: another process (a node started on the same --data) holds spartan.mv open.
            if (t instanceof MVStoreException e && e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
                return Optional.of(
                        "data directory " + dataDir.toAbsolutePath().normalize()
                                + " is in use by another running node (its store file is locked); give this node its own --data");
            }
        }
        return Optional.empty();
    }
}
