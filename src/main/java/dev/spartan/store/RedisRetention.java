package dev.spartan.store;

import dev.spartan.redis.RedisKeys;
import dev.spartan.store.proto.StoredEvent;
import dev.spartan.store.proto.StoredGroup;
import dev.spartan.store.proto.StoredMessage;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Retention and purge on the Redis store. Each removal is a single command whose reply says whether this call
 * removed the entry (XDEL, ZREM), so a message acknowledged, released or swept by another node meanwhile is never
 * counted as expired twice, and several nodes may sweep at once.
 */
final class RedisRetention {
    private static final String P = dev.spartan.redis.RedisClients.KEY_PREFIX;

    private final RedisClusterCommands<String, byte[]> redis;
    private final RedisKeys keys;

    /** On a cluster, each SCAN walks every primary (Lettuce's cluster-wide scan), and the keys carry hash tags. */
    RedisRetention(RedisClusterCommands<String, byte[]> redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    List<Expired> sweep(Cutoffs cutoffs) {
        Expired.Collector expired = new Expired.Collector();
        if (cutoffs.sweeps(cutoffs.undelivered())) {
            scan(
                    P + "inbox:*",
                    inbox -> entries(inbox, e -> {
                        byte[] record = e.getBody().get("m");
                        if (record == null) {
                            return;
                        }
                        StoredMessage m = Records.parse(StoredMessage::parseFrom, record);
                        boolean chosen = chosen(cutoffs, m);
                        if ((chosen || Cutoffs.expired(m.getSentAtMillis(), cutoffs.undelivered()))
                                && redis.xdel(inbox, e.getId()) == 1
                                && !chosen) {
                            expired.add(m.getSender(), Records.chatRef(m.getChat()), m.getMessageId());
                        }
                    }));
        }
        if (cutoffs.sweeps(cutoffs.held())) {
            scan(P + "hold:*", hold -> {
                String pair = RedisKeys.idIn("hold", hold);
                for (ScoredValue<byte[]> v : redis.zrangeWithScores(hold, 0, -1)) {
                    StoredMessage m = Records.parse(StoredMessage::parseFrom, v.getValue());
                    boolean chosen = chosen(cutoffs, m);
                    if ((chosen || Cutoffs.expired(m.getSentAtMillis(), cutoffs.held()))
                            && redis.zrem(hold, v.getValue()) == 1) {
                        redis.decrby(keys.ofConversation("heldbytes", pair), v.getValue().length);
                        redis.zrem(keys.ofConversation("chatlog", m.getChatKey()), v.getValue());
                        if (!chosen) {
                            expired.add(m.getSender(), Records.chatRef(m.getChat()), m.getMessageId());
                        }
                    }
                }
            });
        }
        if (cutoffs.sweeps(cutoffs.history())) {
            scan(P + "chatlog:*", log -> {
                for (byte[] v : redis.zrange(log, 0, -1)) {
                    StoredMessage m = Records.parse(StoredMessage::parseFrom, v);
                    if (chosen(cutoffs, m) || Cutoffs.expired(m.getSentAtMillis(), cutoffs.history())) {
                        redis.zrem(log, v);
                    }
                }
            });
        }
        return expired.result();
    }

    private static boolean chosen(Cutoffs cutoffs, StoredMessage m) {
        return cutoffs.chosen(m.getSender(), m.getMessageId(), m.getExpiresAtMillis());
    }

    void purge(String user) {
        UserRecords mine = new UserRecords(user);
        for (String hash : List.of("keys", "signed-prekeys", "invites", "logins", "acked")) {
            redis.hdel(keys.userHash(hash, user), user);
        }
        for (String own : List.of("one-time-prekeys:", "inbox:", "inboxseq:", "chatacked:", "memberof:")) {
            redis.del(keys.ofUser(own.substring(0, own.length() - 1), user));
        }
        Consumer<String> pairs = hash -> {
            for (String pair : redis.hkeys(hash)) {
                if (mine.inPair(pair)) {
                    redis.hdel(hash, pair);
                }
            }
        };
        if (keys.tagged()) {
            scan(P + "pairs:*", pairs);
        } else {
            pairs.accept(P + "pairs");
        }
        scan(P + "hold:*", key -> deleteIf(key, mine.inPair(RedisKeys.idIn("hold", key))));
        scan(P + "heldbytes:*", key -> deleteIf(key, mine.inPair(RedisKeys.idIn("heldbytes", key))));
        scan(P + "chatseq:*", key -> deleteIf(key, mine.inChat(RedisKeys.idIn("chatseq", key))));
        scan(P + "chatlog:*", log -> {
            if (mine.inChat(RedisKeys.idIn("chatlog", log))) {
                redis.del(log);
                return;
            }
            for (byte[] v : redis.zrange(log, 0, -1)) {
                if (mine.about(Records.parse(StoredMessage::parseFrom, v))) {
                    redis.zrem(log, v);
                }
            }
        });
        scan(
                P + "inbox:*",
                inbox -> entries(inbox, e -> {
                    byte[] record = e.getBody().get("m");
                    StoredEvent event = record != null
                            ? StoredEvent.newBuilder()
                                    .setMessage(Records.<StoredMessage>parse(StoredMessage::parseFrom, record))
                                    .build()
                            : Records.parse(StoredEvent::parseFrom, e.getBody().get("e"));
                    if (mine.namedIn(event, ref -> null)) {
                        redis.xdel(inbox, e.getId());
                    }
                }));
        scan(P + "chatacked:*", hash -> {
            for (String chat : redis.hkeys(hash)) {
                if (mine.inChat(chat)) {
                    redis.hdel(hash, chat);
                }
            }
        });
        scan(P + "sent:" + (keys.tagged() ? "{c:*}" : "") + user + ":*", redis::del);
        if (keys.tagged()) {
            // Cluster names carry the conversation and the reader: the sent ids of the user's 1:1 conversations
            // (the peer's too), and the markers of inbox appends to or from the user (they expire anyway).
            scan(P + "sent:{c:*", key -> deleteIf(key, mine.inPair(RedisKeys.tagIn(key))));
            scan(P + "got:" + keys.user(user) + "*", redis::del);
            scan(P + "got:{u:*}" + user + ":*", redis::del);
        }
        for (Map.Entry<String, byte[]> g : redis.hgetall(P + "groups").entrySet()) {
            StoredGroup group = Records.parse(StoredGroup::parseFrom, g.getValue());
            if (group.getMembersList().contains(user) || mine.signedIn(group)) {
                redis.hdel(P + "groups", g.getKey());
                byte[] name = g.getKey().getBytes(StandardCharsets.UTF_8);
                group.getMembersList().forEach(member -> redis.srem(keys.ofUser("memberof", member), name));
            }
        }
    }

    private void deleteIf(String key, boolean condition) {
        if (condition) {
            redis.del(key);
        }
    }

    private void scan(String pattern, Consumer<String> each) {
        ScanArgs args = ScanArgs.Builder.matches(pattern).limit(500);
        KeyScanCursor<String> cursor = redis.scan(args);
        while (true) {
            new ArrayList<>(cursor.getKeys()).forEach(each);
            if (cursor.isFinished()) {
                return;
            }
            // The cursor itself, not a new one from its number: on a Redis Cluster it also names the node it is on.
            cursor = redis.scan(cursor, args);
        }
    }

    /** Every entry of a stream, in pages. */
    private void entries(String stream, Consumer<StreamMessage<String, byte[]>> each) {
        String from = "-";
        while (true) {
            List<StreamMessage<String, byte[]>> page =
                    redis.xrange(stream, Range.create(from, "+"), io.lettuce.core.Limit.from(500));
            page.forEach(each);
            if (page.size() < 500) {
                return;
            }
            from = "(" + page.get(page.size() - 1).getId();
        }
    }
}
