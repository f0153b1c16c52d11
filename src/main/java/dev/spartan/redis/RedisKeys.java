package dev.spartan.redis;

/**
 * How the store names its keys. On one Redis the names are those of layout 2 ({@code sp:inbox:bob}); on Redis
 * Cluster the id inside each name carries a hash tag ({@code sp:inbox:{u:bob}}, {@code sp:chatlog:{c:a|b}dm:a|b}),
 * so that everything one Lua script touches is in one slot: a user's inbox, cursor, acks, keys and rate limit in
 * {@code {u:NAME}}, a conversation's lock, sequence, history, hold and sent ids in {@code {c:CONVERSATION}}. Both
 * layouts start with the same kind prefix, so a SCAN for {@code sp:inbox:*} finds the inboxes of either.
 */
public final class RedisKeys {
    private static final String P = RedisClients.KEY_PREFIX;

    /** The names of a single Redis, unchanged from layout 2. */
    public static final RedisKeys SINGLE = new RedisKeys(false);

    /** The hash-tagged names of Redis Cluster. */
    public static final RedisKeys CLUSTER = new RedisKeys(true);

    private final boolean tagged;

    private RedisKeys(boolean tagged) {
        this.tagged = tagged;
    }

    public static RedisKeys of(boolean cluster) {
        return cluster ? CLUSTER : SINGLE;
    }

    public boolean tagged() {
        return tagged;
    }

    /** A user's id inside a key name: {@code bob}, or {@code {u:bob}} on a cluster. */
    public String user(String name) {
        return tagged ? "{u:" + name + "}" : name;
    }

    /** {@code sp:KIND:USER}, in the user's slot. */
    public String ofUser(String kind, String name) {
        return P + kind + ":" + user(name);
    }

    /**
     * A hash whose fields are users ({@code sp:acked}, {@code sp:keys}...): one hash on a single Redis, one per user
     * in its slot on a cluster (the field is the user either way, so the commands are the same).
     */
    public String userHash(String kind, String name) {
        return tagged ? P + kind + ":" + user(name) : P + kind;
    }

    /**
     * A conversation's id inside a key name: {@code dm:a|b}, or {@code {c:a|b}dm:a|b} on a cluster, where the tag is
     * the conversation whatever names it (its chat key, its pair, its lock key, or the group's generations).
     */
    public String conversation(String id) {
        return tagged ? "{c:" + tag(id) + "}" + id : id;
    }

    /** {@code sp:KIND:ID} in the slot of {@code conversation} (a key of a conversation not named by its id). */
    public String inConversation(String kind, String conversation, String id) {
        return P + kind + ":" + (tagged ? "{c:" + tag(conversation) + "}" : "") + id;
    }

    /** {@code sp:KIND:ID} in the conversation's slot. */
    public String ofConversation(String kind, String id) {
        return P + kind + ":" + conversation(id);
    }

    /** A hash whose fields are conversations ({@code sp:pairs}, {@code sp:groupver}): per conversation on a cluster. */
    public String conversationHash(String kind, String id) {
        return tagged ? P + kind + ":{c:" + tag(id) + "}" : P + kind;
    }

    /**
     * The key a script checks the store's epoch in. A cluster has no key in every slot: there scripts get the empty
     * epoch (not checked) and a key of their own slot, and the epoch is checked by {@code ping} instead.
     */
    public String epochBeside(String key, String epochKey) {
        return tagged ? P + "epoch:" + key : epochKey;
    }

    /** The id in a key of this layout: what follows {@code sp:KIND:}, its hash tag taken off. */
    public static String idIn(String kind, String key) {
        String id = key.substring((P + kind + ":").length());
        if (id.startsWith("{u:") && id.endsWith("}")) {
            return id.substring(3, id.length() - 1);
        }
        if (id.startsWith("{c:")) {
            return id.substring(id.indexOf('}') + 1);
        }
        return id;
    }

    /** What a cluster key's hash tag names: {@code alice|bob} of {@code sp:sent:{c:alice|bob}bob:m1}; "" if none. */
    public static String tagIn(String key) {
        int open = key.indexOf('{');
        int close = key.indexOf('}', open + 1);
        return open < 0 || close < 0 ? "" : key.substring(key.indexOf(':', open) + 1, close);
    }

    /** The conversation a lock key, pair, chat key or group chat key belongs to. */
    static String tag(String id) {
        if (id.startsWith("dm:")) {
            return id.substring(3);
        }
        if (id.startsWith("group:")) {
            int generation = id.lastIndexOf('@');
            if (generation > 0 && isDigits(id.substring(generation + 1))) {
                return id.substring(0, generation);
            }
        }
        return id;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
