package dev.spartan.store;

import dev.spartan.redis.RedisClients;
import dev.spartan.redis.RedisKeys;
import dev.spartan.store.proto.StoredGroup;
import dev.spartan.store.proto.StoredMessage;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Brings a Redis written by the previous version to the current layout, once, before a node serves it: histories
 * and held messages were lists of encoded messages (now sorted sets by chat sequence number, under new keys), and
 * groups had no index by member. Inboxes, keys, chat states and sent ids read as they are. Nodes that start together
 * take turns; a node that stops halfway leaves the rest for the next one.
 */
public final class RedisLayoutUpgrade {
    private static final String P = RedisClients.KEY_PREFIX;
    private static final String LAYOUT_KEY = P + "layout";
    private static final String VERSION = Integer.toString(Layout.VERSION);

    private RedisLayoutUpgrade() {}

    public static void run(RedisClusterCommands<String, byte[]> redis) {
        run(redis, RedisKeys.SINGLE);
    }

    /**
     * On a cluster there is nothing of layout 1 to convert (layout 1 never ran on one): the layout is only checked
     * and written. A single Redis's keys are not copied onto a cluster (README, Known limits).
     */
    public static void run(RedisClusterCommands<String, byte[]> redis, RedisKeys keys) {
        byte[] layout = redis.get(LAYOUT_KEY);
        Layout.requireKnown(layout == null ? null : new String(layout, StandardCharsets.UTF_8), "the Redis store");
        if (isCurrent(redis)) {
            return;
        }
        if (keys.tagged()) {
            redis.set(LAYOUT_KEY, utf8(VERSION));
            return;
        }
        String lock = P + "lock:layout";
        byte[] token = utf8(Long.toString(System.nanoTime()));
        while (!"OK".equals(redis.set(lock, token, SetArgs.Builder.nx().px(60_000)))) {
            LockSupport.parkNanos(50_000_000);
        }
        try {
            if (isCurrent(redis)) {
                return;
            }
            for (String key : keys(redis, P + "history:*")) {
                String chatKey = key.substring((P + "history:").length());
                copy(redis, key, chatKey, P + "chatlog:" + chatKey);
                redis.del(key);
            }
            for (String key : keys(redis, P + "held:*")) {
                String pairKey = key.substring((P + "held:").length());
                // The previous version's 1:1 conversation key was "dm:" and the pair key.
                String hold = P + "hold:" + pairKey;
                copy(redis, key, "dm:" + pairKey, hold);
                long bytes = 0;
                for (ScoredValue<byte[]> v : redis.zrangeWithScores(hold, 0, -1)) {
                    bytes += v.getValue().length;
                }
                redis.set(P + "heldbytes:" + pairKey, utf8(Long.toString(bytes)));
                redis.del(key);
            }
            for (Map.Entry<String, byte[]> g : redis.hgetall(P + "groups").entrySet()) {
                for (String member :
                        Records.parse(StoredGroup::parseFrom, g.getValue()).getMembersList()) {
                    redis.sadd(P + "memberof:" + member, utf8(g.getKey()));
                }
            }
            redis.set(LAYOUT_KEY, utf8(VERSION));
        } finally {
            redis.del(lock);
        }
    }

    private static boolean isCurrent(RedisClusterCommands<String, byte[]> redis) {
        byte[] layout = redis.get(LAYOUT_KEY);
        return layout != null && VERSION.equals(new String(layout, StandardCharsets.UTF_8));
    }

    /** The list's messages into a sorted set by chat seq, as the current layout stores them. */
    private static void copy(
            RedisClusterCommands<String, byte[]> redis, String list, String chatKey, String sortedSet) {
        if (!"list".equals(redis.type(list))) {
            return;
        }
        for (byte[] b : redis.lrange(list, 0, -1)) {
            StoredMessage m = Records.parse(StoredMessage::parseFrom, b);
            StoredMessage record =
                    m.toBuilder().clearChatSeq().setChatKey(chatKey).build();
            redis.zadd(sortedSet, (double) m.getChatSeq(), record.toByteArray());
        }
    }

    private static List<String> keys(RedisClusterCommands<String, byte[]> redis, String pattern) {
        List<String> out = new java.util.ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page =
                    redis.scan(cursor, ScanArgs.Builder.matches(pattern).limit(500));
            out.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
