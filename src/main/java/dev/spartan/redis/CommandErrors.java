package dev.spartan.redis;

import io.lettuce.core.event.command.CommandFailedEvent;
import io.lettuce.core.event.command.CommandListener;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the Redis commands of this process that failed: an error reply, or the connection dropped under them.
 * Commands that wait in vain while Redis is unreachable time out in the caller instead, which the store reports.
 */
public final class CommandErrors implements CommandListener {
    static final CommandErrors INSTANCE = new CommandErrors();

    private final LongAdder failed = new LongAdder();

    private CommandErrors() {}

    /** Failed commands since the process started, across every Redis client it made. */
    public static long count() {
        return INSTANCE.failed.sum();
    }

    @Override
    public void commandFailed(CommandFailedEvent event) {
        failed.increment();
    }
}
