package dev.spartan.store;

import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which store a Redis node serves. Redis keeps the epoch of its store; the node remembers the last epoch it served
 * in its data directory. A Redis that lost its data (restarted without AOF or RDB) has no epoch, while the node
 * remembers one: serving it would start every inbox over at 1 under clients that have seen higher numbers, and would
 * reopen every user's first login. So the node refuses, until the operator restores Redis or says {@code --new-store}.
 */
public final class RedisEpoch {
    private static final Logger log = LoggerFactory.getLogger(RedisEpoch.class);
    static final String FILE = "store-epoch";

    private RedisEpoch() {}

    /**
     * The epoch this node serves: the one Redis holds, or a new one if Redis holds none and the node served none
     * before (or {@code newStore} says to begin again). Remembers it in {@code dataDir}.
     *
     * @throws StoreOpenException with one line for the operator when Redis lost the store this node served
     */
    public static String settle(
            RedisClusterCommands<String, byte[]> redis, String where, Path dataDir, boolean newStore) {
        Path file = dataDir.resolve(FILE);
        String remembered = remembered(file);
        String found;
        try {
            byte[] b = redis.get(RedisStore.EPOCH_KEY);
            if (b == null && (remembered == null || newStore)) {
                if (remembered != null) {
                    // The pins of the lost store are gone: every name would be open to whoever logs in first.
                    // Closed before the epoch exists, so no node serves the new store with enrollment open.
                    redis.set(RedisStore.ENROLLMENT_CLOSED_KEY, utf8("--new-store"));
                    log.warn(
                            "began a new store after Redis at {} lost store {}: a first login needs an enrollment"
                                    + " code (./spartan admin invite NAME) until the operator runs ./spartan admin"
                                    + " reopen-enrollment",
                            where,
                            remembered);
                }
                redis.set(RedisStore.EPOCH_KEY, utf8(UUID.randomUUID().toString()), SetArgs.Builder.nx());
                b = redis.get(RedisStore.EPOCH_KEY);
            }
            found = b == null ? null : new String(b, StandardCharsets.UTF_8);
        } catch (RedisException e) {
            throw new StoreOpenException("cannot reach Redis at " + where + ": " + e.getMessage(), e);
        }
        if (found == null) {
            throw new StoreOpenException(
                    "Redis at " + where + " has no Spartan store, but this node served store " + remembered
                            + " (see " + file + "): Redis lost its data. Restore it from its AOF/RDB files, or start"
                            + " with --new-store to begin an empty store",
                    null);
        }
        if (remembered != null && !remembered.equals(found)) {
            log.warn(
                    "Redis at {} holds store {}, not store {} that this node served before: serving {}",
                    where,
                    found,
                    remembered,
                    found);
        }
        if (!found.equals(remembered)) {
            remember(file, found);
        }
        return found;
    }

    private static String remembered(Path file) {
        try {
            return Files.exists(file)
                    ? Files.readString(file, StandardCharsets.UTF_8).strip()
                    : null;
        } catch (IOException e) {
            throw new StoreOpenException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void remember(Path file, String epoch) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(FILE + ".tmp");
            Files.writeString(tmp, epoch + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StoreOpenException(
                    "cannot write " + file + " (" + e.getMessage() + "): the data directory must be writable,"
                            + " or pass another --data",
                    e);
        }
    }

    private static byte[] utf8(String s) {
        return Objects.requireNonNull(s).getBytes(StandardCharsets.UTF_8);
    }
}
