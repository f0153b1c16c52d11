package dev.spartan.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key and value type of each of the embedded store's maps, for an engine that stores bytes ({@link
 * RocksEngine}): strings as UTF-8, longs as 8 big-endian bytes (so non-negative ones sort numerically), booleans as
 * one byte, records as they are.
 */
final class StoreSchema {
    /** How one type is written as bytes and read back. */
    enum Codec {
        STRING {
            @Override
            byte[] encode(Object o) {
                return ((String) o).getBytes(StandardCharsets.UTF_8);
            }

            @Override
            Object decode(byte[] b) {
                return new String(b, StandardCharsets.UTF_8);
            }
        },
        LONG {
            @Override
            byte[] encode(Object o) {
                return ByteBuffer.allocate(Long.BYTES).putLong((Long) o).array();
            }

            @Override
            Object decode(byte[] b) {
                return ByteBuffer.wrap(b).getLong();
            }
        },
        BOOLEAN {
            @Override
            byte[] encode(Object o) {
                return new byte[] {(byte) (((Boolean) o) ? 1 : 0)};
            }

            @Override
            Object decode(byte[] b) {
                return b[0] != 0;
            }
        },
        BYTES {
            @Override
            byte[] encode(Object o) {
                return (byte[]) o;
            }

            @Override
            Object decode(byte[] b) {
                return b;
            }
        };

        abstract byte[] encode(Object o);

        abstract Object decode(byte[] b);

        /** The codec of a value as MVStore holds it (for copying a map whose type is not in the schema). */
        static Codec of(Object o) {
            if (o instanceof String) {
                return STRING;
            }
            if (o instanceof Long) {
                return LONG;
            }
            if (o instanceof Boolean) {
                return BOOLEAN;
            }
            if (o instanceof byte[]) {
                return BYTES;
            }
            throw new IllegalArgumentException("no codec for " + o.getClass().getName());
        }
    }

    /** The maps every store has, made together when a store is created (one write of RocksDB's manifest). */
    static final java.util.List<String> MAPS = java.util.List.of(
            "meta",
            "keys",
            "pairs",
            "held-messages",
            "counters",
            "chat-log",
            "inbox",
            "acked",
            "chat-acked",
            "groups",
            "memberships",
            "shared-messages",
            "unread-counts",
            "key-log",
            "signed-prekeys",
            "one-time-prekeys",
            "invites",
            "logins",
            "devices",
            "links");

    private StoreSchema() {}

    static Codec keyCodec(String map) {
        return map.equals("key-log") ? Codec.LONG : Codec.STRING;
    }

    static Codec valueCodec(String map) {
        if (map.startsWith(SentIds.PREFIX)) {
            return Codec.LONG;
        }
        return switch (map) {
            case "meta", "pairs" -> Codec.STRING;
            case "counters", "acked", "chat-acked", "unread-counts", "logins" -> Codec.LONG;
            case "memberships" -> Codec.BOOLEAN;
            default -> Codec.BYTES;
        };
    }
}
