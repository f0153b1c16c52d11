package dev.spartan.cluster;

import dev.spartan.redis.RedisClients;
import dev.spartan.redis.RedisKeys;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * On Redis Cluster, which node holds which user's stream, so that an event goes only to that node: each node
 * renews {@code sp:node:{u:NAME}} (its id, lapsing like presence) for the users it serves, and listens on a sharded
 * channel of its own ({@code SSUBSCRIBE sp:bus:{n:ID}}); a sender's node looks the readers up and {@code SPUBLISH}es
 * to their nodes only. A user on no node gets nothing: the stream they open later reads the store.
 */
final class NodeChannels {
    private static final String P = RedisClients.KEY_PREFIX;
    static final long TTL_MILLIS = 30_000;

    private final RedisClusterCommands<String, String> sync;
    private final RedisClusterAsyncCommands<String, String> async;

    NodeChannels(RedisClusterCommands<String, String> sync, RedisClusterAsyncCommands<String, String> async) {
        this.sync = sync;
        this.async = async;
    }

    static String channel(String nodeId) {
        return P + "bus:{n:" + nodeId + "}";
    }

    private static String key(String user) {
        return RedisKeys.CLUSTER.ofUser("node", user);
    }

    /** The user's stream is on {@code nodeId} (renewed with presence). Advisory: not waited for. */
    void here(String user, String nodeId) {
        try {
            var unused = async.set(key(user), nodeId, SetArgs.Builder.px(TTL_MILLIS));
        } catch (RedisException e) {
            // the next renewal repairs it
        }
    }

    /** The nodes of these users, by node; users on no node are left out. */
    Map<String, List<String>> nodesOf(Collection<String> users) {
        String[] keys = users.stream().map(NodeChannels::key).toArray(String[]::new);
        Map<String, List<String>> byNode = new HashMap<>();
        if (keys.length == 0) {
            return byNode;
        }
        String[] names = users.toArray(String[]::new);
        List<KeyValue<String, String>> found = sync.mget(keys); // Lettuce splits it by slot, in key order
        for (int i = 0; i < found.size(); i++) {
            if (found.get(i).hasValue()) {
                byNode.computeIfAbsent(found.get(i).getValue(), n -> new java.util.ArrayList<>())
                        .add(names[i]);
            }
        }
        return byNode;
    }

    void publish(String nodeId, String message) {
        var unused = async.spublish(channel(nodeId), message);
    }
}
