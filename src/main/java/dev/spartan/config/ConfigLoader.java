package dev.spartan.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/** Reads config.yaml and reports a bad file by file, key and reason. */
public final class ConfigLoader {
    /** Names go into wire labels separated by 0x00 and into store keys, so keep them plain. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
    private static final int DEFAULT_CACHED_CONVERSATIONS = 10_000;
    /** Names of users and config groups in one Login answer: 1 MiB. */
    static final int MAX_LISTING_BYTES = 1024 * 1024;
    /** Run-time group memberships one Login answer may list, members included (about 35 bytes each). */
    static final int MAX_GROUP_SEATS = 25_000;

    private static final List<String> LIMIT_KEYS = List.of(
            "held_messages",
            "held_bytes",
            "history_kept",
            "history_page",
            "history_calls_per_minute",
            "groups_per_user",
            "members_per_group",
            "group_changes_per_minute",
            "group_invitations_per_user",
            "group_invitation_hours",
            "devices_per_user");

    private ConfigLoader() {}

    public static SpartanConfig load(Path file) {
        Objects.requireNonNull(file, "file");
        String source = file.toString();
        Object root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(AskedKeys.constructor()).load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        } catch (MarkedYAMLException e) {
            throw new ConfigException(source + ": not valid YAML" + where(e) + ": " + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new ConfigException(
                    source + ": not valid YAML: "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
        AskedKeys.forgetConstruction(root);
        SpartanConfig config;
        try {
            config = parse(source, root);
        } catch (ConfigException e) {
            throw UnknownKeys.findTypo(source, root).orElse(e);
        }
        UnknownKeys.find(source, root).ifPresent(e -> {
            throw e;
        });
        return config;
    }

    /** " at line L, column C" of the problem, counted from 1 as editors do. */
    private static String where(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        return mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    static SpartanConfig parse(String source, Object root) {
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException(source + ": expected a mapping of keys (port, users, groups, ...)");
        }
        Keys keys = new Keys(source, map, "");
        int port = keys.intValue("port", null, 1, 65535);
        int recent = keys.intValue("max_num_messages_per_user", null, 1, 10_000);
        int perThirty = keys.intValue("max_call_per_30_seconds_per_user", null, 1, 1_000_000_000);
        List<String> users = keys.names("users", keys.required("users"));
        Map<String, List<String>> groups = keys.groups(users);

        int count = perThirty;
        Duration window = Duration.ofSeconds(30);
        boolean failOpen = true;
        String rateRedis = null;
        Object rate = map.get("rate_limit");
        if (rate != null) {
            if (!(rate instanceof Map<?, ?> rateMap)) {
                throw new ConfigException(
                        source + ": key 'rate_limit': expected a mapping with max_calls and window_seconds");
            }
            Keys rateKeys = new Keys(source, rateMap, "rate_limit.");
            count = rateKeys.intValue("max_calls", perThirty, 1, 1_000_000_000);
            window = Duration.ofMillis(Math.round(rateKeys.number("window_seconds", 30.0) * 1000));
            if (window.isZero() || window.isNegative()) {
                throw new ConfigException(source + ": key 'rate_limit.window_seconds': must be above 0");
            }
            Object mode = rateMap.get("fail_mode");
            if (mode != null) {
                String m = String.valueOf(mode);
                if (!m.equals("open") && !m.equals("closed")) {
                    throw new ConfigException(
                            source + ": key 'rate_limit.fail_mode': expected open or closed, got " + m);
                }
                failOpen = m.equals("open");
            }
            rateRedis = redisUri(source, "rate_limit.redis", rateMap.get("redis"));
        }
        String redis = redisUri(source, "redis", map.get("redis"));
        int maxBytes = keys.intValue("max_message_bytes", DEFAULT_MAX_MESSAGE_BYTES, 16, 16 * 1024 * 1024);
        int cached = keys.intValue("max_cached_conversations", DEFAULT_CACHED_CONVERSATIONS, 1, 10_000_000);
        requireListingFits(source, users, groups);
        Limits limits = limits(source, map.get("limits"), recent);
        return new SpartanConfig(
                port,
                recent,
                count,
                window,
                users,
                groups,
                redis,
                failOpen,
                maxBytes,
                cached,
                rateRedis,
                operations(source, keys),
                security(keys),
                limits,
                keys.intValue("send_window", SpartanConfig.DEFAULT_SEND_WINDOW, 1, SpartanConfig.MAX_SEND_WINDOW),
                retention(source, map.get("retention")),
                attachments(source, keys, map.get("attachments")));
    }

    private static final List<String> ATTACHMENT_KEYS = List.of(
            "quota_bytes_per_user",
            "upload_bytes_per_second",
            "lifetime_days",
            "incomplete_hours",
            "endpoint",
            "bucket",
            "region");

    /** {@code max_attachment_bytes} and the {@code attachments} mapping. */
    private static AttachmentsConfig attachments(String source, Keys top, Object value) {
        AttachmentsConfig d = AttachmentsConfig.DEFAULTS;
        long max = bytes(top, "max_attachment_bytes", d.maxBytes());
        if (value == null) {
            return d.withMaxBytes(max);
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException(source + ": key 'attachments': expected a mapping, like lifetime_days: 30");
        }
        for (Object key : map.keySet()) {
            if (!ATTACHMENT_KEYS.contains(String.valueOf(key))) {
                throw new ConfigException(source + ": key 'attachments." + key + "': unknown; known keys: "
                        + String.join(", ", ATTACHMENT_KEYS));
            }
        }
        Keys k = new Keys(source, map, "attachments.");
        double days = k.number("lifetime_days", 30);
        double hours = k.number("incomplete_hours", 24);
        if (days <= 0 || days > 36_500 || hours <= 0 || hours > 24 * 365) {
            throw new ConfigException(source + ": key 'attachments.lifetime_days' or 'incomplete_hours': out of range"
                    + " (above 0, at most 36500 days and 8760 hours)");
        }
        AttachmentsConfig.S3 s3 = null;
        Object endpoint = map.get("endpoint");
        Object bucket = map.get("bucket");
        if (endpoint != null || bucket != null) {
            if (endpoint == null || bucket == null) {
                throw new ConfigException(source + ": key 'attachments': endpoint and bucket go together (the"
                        + " S3-compatible store of a Redis cluster's blobs)");
            }
            Object region = map.get("region");
            s3 = new AttachmentsConfig.S3(
                    String.valueOf(endpoint), String.valueOf(bucket), region == null ? "us-east-1" : region.toString());
        }
        return new AttachmentsConfig(
                max,
                bytes(k, "quota_bytes_per_user", d.quotaBytesPerUser()),
                bytes(k, "upload_bytes_per_second", d.uploadBytesPerSecond()),
                Duration.ofMillis(Math.round(days * 86_400_000)),
                Duration.ofMillis(Math.round(hours * 3_600_000)),
                s3);
    }

    private static long bytes(Keys k, String key, long fallback) {
        double v = k.number(key, (double) fallback);
        if (v < 1 || v > (double) (1L << 50) || v != Math.rint(v)) {
            throw new ConfigException(
                    k.source() + ": key '" + k.prefix() + key + "': expected a whole number of bytes from 1 to 2^50");
        }
        return (long) v;
    }

    private static final List<String> RETENTION_KEYS =
            List.of("undelivered_days", "held_requests_days", "history_days", "sweep_seconds");

    private static RetentionConfig retention(String source, Object value) {
        RetentionConfig d = RetentionConfig.DEFAULTS;
        if (value == null) {
            return d;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException(source + ": key 'retention': expected a mapping, like undelivered_days: 30");
        }
        for (Object key : map.keySet()) {
            if (!RETENTION_KEYS.contains(String.valueOf(key))) {
                throw new ConfigException(source + ": key 'retention." + key + "': unknown; known keys: "
                        + String.join(", ", RETENTION_KEYS));
            }
        }
        Keys k = new Keys(source, map, "retention.");
        return new RetentionConfig(
                days(k, "undelivered_days", d.undelivered()),
                days(k, "held_requests_days", d.heldRequests()),
                days(k, "history_days", d.history()),
                k.seconds("sweep_seconds", d.sweepEvery(), 1, 86_400));
    }

    /** Days, fractions allowed (0.5 is twelve hours); 0 means no age limit. */
    private static Duration days(Keys k, String key, Duration fallback) {
        double days = k.number(key, fallback.toMillis() / 86_400_000.0);
        if (days < 0 || days > 36_500) {
            throw new ConfigException(
                    k.source() + ": key 'retention." + key + "': " + days + " is out of range 0..36500");
        }
        return Duration.ofMillis(Math.round(days * 86_400_000));
    }

    /** The levels of {@code log_level} (the same as --log-level's). */
    private static final List<String> LOG_LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    private static OperationsConfig operations(String source, Keys keys) {
        Object bind = keys.map().get("bind");
        if (bind != null && (!(bind instanceof String s) || s.isBlank())) {
            throw new ConfigException(source + ": key 'bind': expected an address such as 127.0.0.1, got " + bind);
        }
        int metricsPort = keys.intValue("metrics_port", 0, 0, 65535);
        double drain = keys.number("drain_seconds", (double) OperationsConfig.DEFAULT_DRAIN.toSeconds());
        if (drain < 0 || drain > 3600) {
            throw new ConfigException(source + ": key 'drain_seconds': " + drain + " is out of range 0..3600");
        }
        Object level = keys.map().get("log_level");
        String logLevel = null;
        if (level != null) {
            logLevel = String.valueOf(level).trim().toUpperCase(java.util.Locale.ROOT);
            if (!LOG_LEVELS.contains(logLevel)) {
                throw new ConfigException(source + ": key 'log_level': expected one of " + String.join(", ", LOG_LEVELS)
                        + ", got " + level);
            }
        }
        return new OperationsConfig(
                (String) bind,
                metricsPort,
                Duration.ofMillis(Math.round(drain * 1000)),
                redisAccess(source, keys),
                logLevel);
    }

    /** {@code redis_password_file}, {@code redis_ca_file}, {@code redis_start_wait_seconds}. */
    private static RedisAccess redisAccess(String source, Keys keys) {
        String password = null;
        Object passwordFile = keys.map().get("redis_password_file");
        if (passwordFile != null) {
            try {
                // the file's one line; its content never goes into a message
                password =
                        Files.readString(Path.of(String.valueOf(passwordFile))).strip();
            } catch (IOException | RuntimeException e) {
                throw new ConfigException(source + ": key 'redis_password_file': cannot read " + passwordFile + " ("
                        + e.getClass().getSimpleName() + ")");
            }
            if (password.isEmpty() || password.contains("\n")) {
                throw new ConfigException(source + ": key 'redis_password_file': " + passwordFile
                        + " must hold the password on one line");
            }
        }
        Object ca = keys.map().get("redis_ca_file");
        Path caFile = null;
        if (ca != null) {
            caFile = Path.of(String.valueOf(ca));
            if (!Files.isReadable(caFile)) {
                throw new ConfigException(source + ": key 'redis_ca_file': cannot read " + ca);
            }
        }
        double wait = keys.number("redis_start_wait_seconds", (double) RedisAccess.DEFAULT_START_WAIT.toSeconds());
        if (wait < 0 || wait > 86_400) {
            throw new ConfigException(
                    source + ": key 'redis_start_wait_seconds': " + wait + " is out of range 0..86400");
        }
        Object replicas = keys.map().get("redis_replicas_to_ack");
        int replicasToAck = replicas == null ? -1 : keys.intValue("redis_replicas_to_ack", 0, 0, 16);
        return new RedisAccess(password, caFile, Duration.ofMillis(Math.round(wait * 1000)), replicasToAck);
    }

    private static SecurityConfig security(Keys keys) {
        SecurityConfig d = SecurityConfig.DEFAULTS;
        SecurityConfig.Enrollment enrollment = d.enrollment();
        Object mode = keys.map().get("enrollment");
        if (mode != null) {
            try {
                enrollment =
                        SecurityConfig.Enrollment.valueOf(String.valueOf(mode).toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        keys.source() + ": key 'enrollment': expected loopback, invite or open, got " + mode);
            }
        }
        List<AddressRange> networks = d.enrollmentNetworks();
        Object ranges = keys.map().get("enrollment_networks");
        if (ranges != null) {
            if (!(ranges instanceof List<?> list)) {
                throw new ConfigException(keys.source()
                        + ": key 'enrollment_networks': expected a list of address ranges, like [127.0.0.0/8]");
            }
            networks = new ArrayList<>();
            for (Object o : list) {
                try {
                    networks.add(AddressRange.parse(String.valueOf(o)));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(keys.source() + ": key 'enrollment_networks': " + e.getMessage());
                }
            }
        }
        return new SecurityConfig(
                enrollment,
                networks,
                keys.seconds("invite_ttl_seconds", d.inviteTtl(), 60, 365 * 86_400),
                keys.seconds("session_ttl_seconds", d.sessionTtl(), 1, 365 * 86_400),
                keys.intValue("admin_port", d.adminPort(), 0, 65535),
                keys.intValue("max_connections_per_address", d.maxConnectionsPerAddress(), 1, 1_000_000),
                keys.seconds("idle_connection_seconds", d.idleConnection(), 1, 86_400),
                keys.seconds("handshake_timeout_seconds", d.handshakeTimeout(), 1, 3600),
                keys.seconds("min_client_keepalive_seconds", d.minClientKeepAlive(), 1, 86_400),
                keys.intValue("max_open_challenges", d.maxOpenChallenges(), 1, 10_000_000),
                keys.intValue("login_attempts_per_minute", d.loginsPerMinute(), 1, 1_000_000),
                keys.intValue("login_attempts_per_user_per_minute", d.loginsPerUserPerMinute(), 1, 1_000_000),
                keys.intValue("max_handshakes_per_address", d.maxHandshakesPerAddress(), 1, 1_000_000),
                sessionBinding(keys, d.bindSessions()));
    }

    private static boolean sessionBinding(Keys keys, boolean fallback) {
        Object mode = keys.map().get("session_binding");
        if (mode == null) {
            return fallback;
        }
        return switch (String.valueOf(mode)) {
            case "connection" -> true;
            case "none" -> false;
            default ->
                throw new ConfigException(
                        keys.source() + ": key 'session_binding': expected connection or none, got " + mode);
        };
    }

    /**
     * Login and ListUsers answer with every user and the caller's groups; the config's part of that must stay far
     * below gRPC's 4 MiB message limit, whoever asks.
     */
    private static void requireListingFits(String source, List<String> users, Map<String, List<String>> groups) {
        long bytes = 0;
        for (String u : users) {
            bytes += u.length() + 2;
        }
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            bytes += g.getKey().length() + 8;
            for (String m : g.getValue()) {
                bytes += m.length() + 2;
            }
        }
        if (bytes > MAX_LISTING_BYTES) {
            throw new ConfigException(source + ": keys 'users' and 'groups' list " + bytes + " bytes of names; at most "
                    + MAX_LISTING_BYTES + " fit in one Login answer");
        }
    }

    private static Limits limits(String source, Object value, int recent) {
        Limits d = Limits.DEFAULTS;
        if (value == null) {
            return d.withHistoryKept(Math.max(d.historyKept(), recent));
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException(source + ": key 'limits': expected a mapping, like held_messages: 100");
        }
        Keys k = new Keys(source, map, "limits.");
        Limits limits = new Limits(
                k.intValue("held_messages", d.heldMessages(), 1, 100_000),
                k.intValue("held_bytes", d.heldBytes(), 1024, 1024 * 1024 * 1024),
                k.intValue("history_kept", Math.max(d.historyKept(), recent), recent, 100_000),
                k.intValue("history_page", d.historyPage(), 1, 1_000),
                k.intValue("history_calls_per_minute", d.historyCallsPerMinute(), 1, 1_000_000),
                k.intValue("groups_per_user", d.groupsPerUser(), 1, 500),
                k.intValue("members_per_group", d.membersPerGroup(), 2, 500),
                k.intValue("group_changes_per_minute", d.groupChangesPerMinute(), 1, 1_000_000),
                k.intValue("group_invitations_per_user", d.groupInvitationsPerUser(), 1, 500),
                k.intValue("group_invitation_hours", d.groupInvitationHours(), 1, 24 * 365),
                k.intValue("devices_per_user", d.devicesPerUser(), 1, 100));
        int groups = limits.groupsPerUser() + limits.groupInvitationsPerUser();
        if ((long) groups * limits.membersPerGroup() > MAX_GROUP_SEATS) {
            throw new ConfigException(source + ": keys 'limits.groups_per_user', 'limits.group_invitations_per_user'"
                    + " and 'limits.members_per_group': (" + limits.groupsPerUser() + " + "
                    + limits.groupInvitationsPerUser() + ") x " + limits.membersPerGroup()
                    + " names would not fit in one Login answer; at most " + MAX_GROUP_SEATS);
        }
        for (Object key : map.keySet()) {
            if (!LIMIT_KEYS.contains(String.valueOf(key))) {
                throw new ConfigException(
                        source + ": key 'limits." + key + "': unknown; known keys: " + String.join(", ", LIMIT_KEYS));
            }
        }
        return limits;
    }

    private static String redisUri(String source, String key, Object value) {
        if (value == null) {
            return null;
        }
        String problem = redisUriProblem(String.valueOf(value));
        if (problem != null) {
            throw new ConfigException(source + ": key '" + key + "': " + problem);
        }
        return (String) value;
    }

    /** Why this is not a Redis URI the node can use, or null if it is one. */
    public static String redisUriProblem(String uri) {
        int colon = uri.indexOf("://");
        if (colon < 0) {
            return "expected a URI like redis://127.0.0.1:6379, got " + uri;
        }
        String scheme = uri.substring(0, colon);
        uri = RedisAccess.redact(uri); // from here on, only printed
        if (scheme.equals("redis-cluster") || scheme.equals("rediss-cluster")) {
            return ClusterSeeds.problem(uri);
        }
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            return "unsupported scheme '" + scheme + "' in " + uri + ": only redis://, rediss:// (TLS) and"
                    + " redis-cluster://host:port,host:port (Redis Cluster) are supported, e.g. redis://127.0.0.1:6379";
        }
        try {
            java.net.URI parsed = new java.net.URI(uri);
            if (parsed.getHost() == null) {
                return "no host in " + uri + ", expected e.g. redis://127.0.0.1:6379";
            }
        } catch (java.net.URISyntaxException e) {
            return "not a valid URI: " + uri + " (" + e.getReason() + ")";
        }
        return null;
    }

    /** Typed access to one mapping, so each error names the exact key. */
    private record Keys(String source, Map<?, ?> map, String prefix) {
        Object required(String key) {
            Object v = map.get(key);
            if (v == null) {
                throw new ConfigException(source + ": key '" + prefix + key + "' is missing");
            }
            return v;
        }

        int intValue(String key, Integer fallback, int min, int max) {
            Object v = fallback == null ? required(key) : map.get(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof Integer i)) {
                throw new ConfigException(
                        source + ": key '" + prefix + key + "': expected a whole number, got '" + v + "'");
            }
            if (i < min || i > max) {
                throw new ConfigException(
                        source + ": key '" + prefix + key + "': " + i + " is out of range " + min + ".." + max);
            }
            return i;
        }

        Duration seconds(String key, Duration fallback, int min, int max) {
            return Duration.ofSeconds(intValue(key, (int) fallback.toSeconds(), min, max));
        }

        double number(String key, double fallback) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof Number n)) {
                throw new ConfigException(source + ": key '" + prefix + key + "': expected a number, got '" + v + "'");
            }
            return n.doubleValue();
        }

        List<String> names(String key, Object value) {
            if (!(value instanceof List<?> list) || list.isEmpty()) {
                throw new ConfigException(
                        source + ": key '" + prefix + key + "': expected a non-empty list of names, like [alice,bob]");
            }
            LinkedHashSet<String> out = new LinkedHashSet<>();
            for (Object o : list) {
                String name = String.valueOf(o);
                if (!NAME.matcher(name).matches()) {
                    throw new ConfigException(source + ": key '" + prefix + key + "': '" + name
                            + "' is not a valid name (letters, digits, _ . -, at most 32)");
                }
                if (!out.add(name)) {
                    throw new ConfigException(source + ": key '" + prefix + key + "': '" + name + "' is listed twice");
                }
            }
            return new ArrayList<>(out);
        }

        Map<String, List<String>> groups(List<String> users) {
            Object v = map.get("groups");
            Map<String, List<String>> out = new LinkedHashMap<>();
            if (v == null) {
                return out;
            }
            if (!(v instanceof Map<?, ?> groupMap)) {
                throw new ConfigException(source + ": key 'groups': expected a mapping of group name to member list");
            }
            for (Map.Entry<?, ?> e : groupMap.entrySet()) {
                String name = String.valueOf(e.getKey());
                String key = "groups." + name;
                if (!NAME.matcher(name).matches()) {
                    throw new ConfigException(source + ": key '" + prefix + key + "': not a valid group name");
                }
                if (users.contains(name)) {
                    throw new ConfigException(
                            source + ": key '" + prefix + key + "': a group cannot have a user's name");
                }
                List<String> members = names(key, e.getValue());
                for (String m : members) {
                    if (!users.contains(m)) {
                        throw new ConfigException(
                                source + ": key '" + prefix + key + "': member '" + m + "' is not in users");
                    }
                }
                out.put(name, List.copyOf(members));
            }
            return out;
        }
    }
}
