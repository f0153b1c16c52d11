package dev.spartan.attachments;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.redis.RedisClients;
import dev.spartan.store.proto.StoredAttachment;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** A cluster's attachment records: one field per blob of one Redis hash (the blobs are in the object store). */
public final class RedisAttachmentIndex implements AttachmentIndex {
    static final String KEY = RedisClients.KEY_PREFIX + "attachments";
    private final RedisClusterCommands<String, String> redis;

    public RedisAttachmentIndex(RedisClusterCommands<String, String> redis) {
        this.redis = redis;
    }

    @Override
    public Optional<StoredAttachment> get(String blobId) {
        return Optional.ofNullable(redis.hget(KEY, blobId)).map(RedisAttachmentIndex::parse);
    }

    @Override
    public void put(StoredAttachment record) {
        redis.hset(KEY, record.getBlobId(), Base64.getEncoder().encodeToString(record.toByteArray()));
    }

    @Override
    public void delete(String blobId) {
        redis.hdel(KEY, blobId);
    }

    @Override
    public List<StoredAttachment> all() {
        List<StoredAttachment> out = new ArrayList<>();
        redis.hvals(KEY).forEach(v -> out.add(parse(v)));
        return out;
    }

    private static StoredAttachment parse(String value) {
        try {
            return StoredAttachment.parseFrom(Base64.getDecoder().decode(value));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a damaged attachment record in Redis: " + e.getMessage(), e);
        }
    }
}
