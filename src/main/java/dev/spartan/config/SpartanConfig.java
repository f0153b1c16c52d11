package dev.spartan.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything config.yaml says. The first five keys are required; the rest are optional.
 *
 * @param port                    {@code port}
 * @param recentMessagesPerChat   {@code max_num_messages_per_user}: recent messages kept per conversation
 * @param rateLimitCount          {@code max_call_per_30_seconds_per_user}, or {@code rate_limit.max_calls}
 * @param rateLimitWindow         30 s, or {@code rate_limit.window_seconds}
 * @param users                   {@code users}, in file order
 * @param groups                  {@code groups}, in file order
 * @param redisUri                {@code redis}: null for the embedded single node
 * @param rateLimitFailOpen       {@code rate_limit.fail_mode}: open (default) or closed when Redis is down
 * @param maxMessageBytes         {@code max_message_bytes}: largest encrypted body accepted, default 64 KiB
 * @param cachedConversations     {@code max_cached_conversations}: bound of the recent-messages LRU, default 10000
 * @param rateLimitRedisUri       {@code rate_limit.redis}: share only the rate limit through this Redis (the store
 *                                stays embedded); null if not set. {@code redis} implies it.
 * @param operations              {@code bind}, {@code metrics_port}, {@code drain_seconds}: how the node is run
 * @param security                enrollment, sessions, the admin port, connection and login limits
 * @param limits                  {@code limits}: what one user may make the server hold or do
 * @param sendWindow              {@code send_window}: most unanswered messages on one SendStream, default 256
 * @param retention               {@code retention}: how long undelivered, held and history messages are kept
 * @param attachments             {@code max_attachment_bytes} and {@code attachments}: files' limits and blob store
 */
public record SpartanConfig(
        int port,
        int recentMessagesPerChat,
        int rateLimitCount,
        Duration rateLimitWindow,
        List<String> users,
        Map<String, List<String>> groups,
        String redisUri,
        boolean rateLimitFailOpen,
        int maxMessageBytes,
        int cachedConversations,
        String rateLimitRedisUri,
        OperationsConfig operations,
        SecurityConfig security,
        Limits limits,
        int sendWindow,
        RetentionConfig retention,
        AttachmentsConfig attachments) {

    /** {@code send_window} when config.yaml does not set it. */
    public static final int DEFAULT_SEND_WINDOW = 256;

    /** The largest {@code send_window}: what one SendStream may make the server hold is bounded by it. */
    public static final int MAX_SEND_WINDOW = 4096;

    public SpartanConfig {
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(attachments, "attachments");
        Objects.requireNonNull(rateLimitWindow, "rateLimitWindow");
        Objects.requireNonNull(operations, "operations");
        users = List.copyOf(users);
        groups = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(groups));
    }

    public boolean isUser(String name) {
        return users.contains(name);
    }

    public SpartanConfig withPort(int newPort) {
        return copy(c -> c.port = newPort);
    }

    public SpartanConfig withRedis(String uri) {
        return copy(c -> c.redisUri = uri);
    }

    public SpartanConfig withRateLimit(int count, Duration window) {
        return copy(c -> {
            c.rateLimitCount = count;
            c.rateLimitWindow = window;
        });
    }

    public SpartanConfig withOperations(OperationsConfig newOperations) {
        return copy(c -> c.operations = newOperations);
    }

    public SpartanConfig withSecurity(SecurityConfig newSecurity) {
        return copy(c -> c.security = newSecurity);
    }

    /** The users and config groups of a reloaded file (SIGHUP), everything else as it is. */
    public SpartanConfig withUsersAndGroups(List<String> newUsers, Map<String, List<String>> newGroups) {
        return copy(c -> {
            c.users = newUsers;
            c.groups = newGroups;
        });
    }

    /** The same config with other {@code limits:} (SIGHUP). */
    public SpartanConfig withLimits(Limits newLimits) {
        return copy(c -> c.limits = newLimits);
    }

    /** This config with {@code change} made to a copy of its values: one place that names every component. */
    private SpartanConfig copy(java.util.function.Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return new SpartanConfig(
                c.port,
                c.recentMessagesPerChat,
                c.rateLimitCount,
                c.rateLimitWindow,
                c.users,
                c.groups,
                c.redisUri,
                c.rateLimitFailOpen,
                c.maxMessageBytes,
                c.cachedConversations,
                c.rateLimitRedisUri,
                c.operations,
                c.security,
                c.limits,
                c.sendWindow,
                c.retention,
                c.attachments);
    }

    /** The components of a config being changed (a record has no setters). */
    private static final class Copy {
        int port;
        int recentMessagesPerChat;
        int rateLimitCount;
        Duration rateLimitWindow;
        List<String> users;
        Map<String, List<String>> groups;
        String redisUri;
        boolean rateLimitFailOpen;
        int maxMessageBytes;
        int cachedConversations;
        String rateLimitRedisUri;
        OperationsConfig operations;
        SecurityConfig security;
        Limits limits;
        int sendWindow;
        RetentionConfig retention;
        AttachmentsConfig attachments;

        Copy(SpartanConfig from) {
            port = from.port;
            recentMessagesPerChat = from.recentMessagesPerChat;
            rateLimitCount = from.rateLimitCount;
            rateLimitWindow = from.rateLimitWindow;
            users = from.users;
            groups = from.groups;
            redisUri = from.redisUri;
            rateLimitFailOpen = from.rateLimitFailOpen;
            maxMessageBytes = from.maxMessageBytes;
            cachedConversations = from.cachedConversations;
            rateLimitRedisUri = from.rateLimitRedisUri;
            operations = from.operations;
            security = from.security;
            limits = from.limits;
            sendWindow = from.sendWindow;
            retention = from.retention;
            attachments = from.attachments;
        }
    }

    /** The Redis that holds the shared rate limit, if any. */
    public String sharedRateLimitRedis() {
        return redisUri != null ? redisUri : rateLimitRedisUri;
    }

    /** "3 per 30s", for messages a person reads. */
    public String rateLimitText() {
        long s = rateLimitWindow.toSeconds();
        String window = s * 1000 == rateLimitWindow.toMillis() ? s + "s" : rateLimitWindow.toMillis() + "ms";
        return rateLimitCount + " per " + window;
    }
}
