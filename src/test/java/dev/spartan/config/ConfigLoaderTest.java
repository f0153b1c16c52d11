package dev.spartan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String BASE = """
            port: 3000
            max_num_messages_per_user: 5
            max_call_per_30_seconds_per_user: 3
            users: [alice,bob,charlie]
            groups:
              group1: [alice,bob]
            """;

    @TempDir
    Path dir;

    private Path write(String body) throws IOException {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, body);
        return f;
    }

    @Test
    void shippedConfigLoadsToItsExactValues() {
        SpartanConfig c = ConfigLoader.load(Path.of("config.yaml"));
        assertThat(c.port()).isEqualTo(3000);
        assertThat(c.recentMessagesPerChat()).isEqualTo(5);
        assertThat(c.rateLimitCount()).isEqualTo(3);
        assertThat(c.rateLimitWindow()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.rateLimitText()).isEqualTo("3 per 30s");
        assertThat(c.users()).containsExactly("alice", "bob", "charlie", "eve", "foo", "bar", "baz", "qux");
        assertThat(c.groups().keySet()).containsExactly("group1", "group2");
        assertThat(c.groups().get("group1")).containsExactly("alice", "bob", "charlie", "eve");
        assertThat(c.groups().get("group2")).containsExactly("foo", "bar", "baz", "qux");
        assertThat(c.redisUri()).isNull();
        assertThat(c.rateLimitFailOpen()).isTrue();
    }

    @Test
    void retentionDefaultsToThirtyDaysForWhatWaitsAndTakesDaysFractionsAndASweepInterval() throws IOException {
        assertThat(ConfigLoader.load(write(BASE)).retention()).isEqualTo(RetentionConfig.DEFAULTS);
        assertThat(RetentionConfig.DEFAULTS.undelivered()).isEqualTo(Duration.ofDays(30));
        RetentionConfig r = ConfigLoader.load(write(BASE + """
                        retention:
                          undelivered_days: 7
                          held_requests_days: 0.5
                          history_days: 90
                          sweep_seconds: 60
                        """)).retention();
        assertThat(r)
                .isEqualTo(new RetentionConfig(
                        Duration.ofDays(7), Duration.ofHours(12), Duration.ofDays(90), Duration.ofSeconds(60)));
        assertThatThrownBy(() -> ConfigLoader.load(write(BASE + "retention:\n  undelivered: 7\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("key 'retention.undelivered': unknown; known keys: undelivered_days,"
                        + " held_requests_days, history_days, sweep_seconds");
    }

    @Test
    void missingUsersNamesFileAndKey() throws IOException {
        Path f = write("port: 3000\nmax_num_messages_per_user: 5\nmax_call_per_30_seconds_per_user: 3\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("'users'")
                .hasMessageContaining("missing");
    }

    @Test
    void nonNumericPortNamesFileAndKey() throws IOException {
        Path f = write(BASE.replace("port: 3000", "port: abc"));
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("'port'")
                .hasMessageContaining("abc");
    }

    @Test
    void groupMemberWhoIsNotAUserIsNamed() throws IOException {
        Path f = write(BASE.replace("group1: [alice,bob]", "group1: [alice,mallory]"));
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("groups.group1")
                .hasMessageContaining("mallory")
                .hasMessageContaining("not in users");
    }

    @Test
    void duplicateUserIsNamed() throws IOException {
        Path f = write(BASE.replace("users: [alice,bob,charlie]", "users: [alice,bob,alice]"));
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("'users'")
                .hasMessageContaining("'alice' is listed twice");
    }

    @Test
    void invalidYamlNamesTheFile() throws IOException {
        Path f = write("port: 3000\nusers: [alice, bob\ngroups: {\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void missingFileIsReported() {
        Path f = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessage(f + ": file not found");
    }

    @Test
    void optionalRateLimitOverridesTheThirtySecondKey() throws IOException {
        SpartanConfig c = ConfigLoader.load(write(BASE + "rate_limit: {max_calls: 15, window_seconds: 1}\n"));
        assertThat(c.rateLimitCount()).isEqualTo(15);
        assertThat(c.rateLimitWindow()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.rateLimitText()).isEqualTo("15 per 1s");
        assertThat(c.rateLimitFailOpen()).isTrue();
    }

    @Test
    void failModeClosed() throws IOException {
        SpartanConfig c = ConfigLoader.load(write(BASE + "rate_limit:\n  fail_mode: closed\n"));
        assertThat(c.rateLimitFailOpen()).isFalse();
        assertThat(c.rateLimitCount()).isEqualTo(3);
        assertThat(c.rateLimitWindow()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void badFailModeNamesTheNestedKey() throws IOException {
        Path f = write(BASE + "rate_limit:\n  fail_mode: sometimes\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("rate_limit.fail_mode")
                .hasMessageContaining("sometimes");
    }

    @Test
    void redisUri() throws IOException {
        SpartanConfig c = ConfigLoader.load(write(BASE + "redis: redis://127.0.0.1:6379\n"));
        assertThat(c.redisUri()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(c.users()).isEqualTo(List.of("alice", "bob", "charlie"));
    }

    @Test
    void redisThatIsNotAUriNamesTheKey() throws IOException {
        Path f = write(BASE + "redis: localhost\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("'redis'");
    }

    @Test
    void operationsKeysHaveDefaultsAndCanBeSet() throws IOException {
        SpartanConfig defaults = ConfigLoader.load(write(BASE));
        assertThat(defaults.operations()).isEqualTo(OperationsConfig.DEFAULTS);
        assertThat(defaults.operations().drain()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.operations().metricsEnabled()).isFalse();

        SpartanConfig set =
                ConfigLoader.load(write(BASE + "bind: 127.0.0.1\nmetrics_port: 9464\ndrain_seconds: 2.5\n"));
        assertThat(set.operations()).isEqualTo(new OperationsConfig("127.0.0.1", 9464, Duration.ofMillis(2500)));
    }

    @Test
    void aNegativeDrainIsRefused() throws IOException {
        Path f = write(BASE + "drain_seconds: -1\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessage(f + ": key 'drain_seconds': -1.0 is out of range 0..3600");
    }

    @Test
    void aMisspelledKeyNamesTheNearestKnownKey() throws IOException {
        Path f = write(BASE + "max_mesage_bytes: 1000\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessage(f + ": unknown key 'max_mesage_bytes' (did you mean 'max_message_bytes'?)");
    }

    @Test
    void aMisspelledNestedKeyIsNamedWithItsPath() throws IOException {
        Path f = write(BASE + "rate_limit:\n  max_call: 4\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessage(f + ": unknown key 'rate_limit.max_call' (did you mean 'rate_limit.max_calls'?)");
    }

    @Test
    void aMisspelledRequiredKeyIsReportedAsTheTypoNotAsMissing() throws IOException {
        Path f = write(BASE.replace("port: 3000", "prot: 3000"));
        assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessage(f + ": unknown key 'prot' (did you mean 'port'?)");
    }

    @Test
    void aKeyLikeNoKnownKeyListsTheKnownOnes() throws IOException {
        Path f = write(BASE + "frobnicate: yes\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessageStartingWith(f + ": unknown key 'frobnicate'; known keys here: port, ")
                .hasMessageContaining("max_message_bytes");
    }

    @Test
    void groupNamesAreNotMistakenForUnknownKeys() throws IOException {
        SpartanConfig c = ConfigLoader.load(write(BASE + "  team_with_any_name: [bob,charlie]\n"));
        assertThat(c.groups()).containsKeys("group1", "team_with_any_name");
    }

    @Test
    void aYamlSyntaxErrorGivesLineAndColumn() throws IOException {
        Path f = write("port: 3000\n  users: [a]\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessage(f + ": not valid YAML at line 2, column 8: mapping values are not allowed here");
    }

    @Test
    void anUnsupportedRedisSchemeIsNamed() throws IOException {
        Path f = write(BASE + "redis: http://:pw@cache:6380\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessage(f + ": key 'redis': unsupported scheme 'http' in http://:***@cache:6380: only redis://,"
                        + " rediss:// (TLS) and redis-cluster://host:port,host:port (Redis Cluster) are supported,"
                        + " e.g. redis://127.0.0.1:6379");
    }

    @Test
    void securityKeysHaveDefaultsAndAreRead() throws IOException {
        SecurityConfig d = ConfigLoader.load(write(BASE)).security();
        assertThat(d).isEqualTo(SecurityConfig.DEFAULTS);
        assertThat(d.enrollment()).isEqualTo(SecurityConfig.Enrollment.LOOPBACK);
        assertThat(d.sessionTtl()).isEqualTo(Duration.ofHours(12));

        SecurityConfig s = ConfigLoader.load(write(BASE
                        + "enrollment: invite\nenrollment_networks: [10.0.0.0/8, \"::1\"]\ninvite_ttl_seconds: 600\n"
                        + "session_ttl_seconds: 5\nadmin_port: 4000\nmax_connections_per_address: 3\n"
                        + "idle_connection_seconds: 7\nhandshake_timeout_seconds: 2\n"
                        + "min_client_keepalive_seconds: 30\nmax_open_challenges: 9\nlogin_attempts_per_minute: 4\n"
                        + "login_attempts_per_user_per_minute: 2\nmax_handshakes_per_address: 5\n"
                        + "session_binding: none\n"))
                .security();
        assertThat(s.enrollment()).isEqualTo(SecurityConfig.Enrollment.INVITE);
        assertThat(s.enrollmentNetworks())
                .extracting(Object::toString)
                .containsExactly("10.0.0.0/8", "0:0:0:0:0:0:0:1/128");
        assertThat(s.inviteTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.sessionTtl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.adminPort()).isEqualTo(4000);
        assertThat(s.maxConnectionsPerAddress()).isEqualTo(3);
        assertThat(s.idleConnection()).isEqualTo(Duration.ofSeconds(7));
        assertThat(s.handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.minClientKeepAlive()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxOpenChallenges()).isEqualTo(9);
        assertThat(s.loginsPerMinute()).isEqualTo(4);
        assertThat(s.loginsPerUserPerMinute()).isEqualTo(2);
        assertThat(s.maxHandshakesPerAddress()).isEqualTo(5);
        assertThat(s.bindSessions()).isFalse();
        assertThat(SecurityConfig.DEFAULTS.bindSessions()).isTrue();
    }

    @Test
    void badSecurityKeysNameTheKey() throws IOException {
        Path mode = write(BASE + "enrollment: everyone\n");
        assertThatThrownBy(() -> ConfigLoader.load(mode))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'enrollment': expected loopback, invite or open, got everyone");
        Path range = write(BASE + "enrollment_networks: [127.0.0.0/40]\n");
        assertThatThrownBy(() -> ConfigLoader.load(range))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'enrollment_networks'")
                .hasMessageContaining("127.0.0.0/40");
        Path ttl = write(BASE + "session_ttl_seconds: 0\n");
        assertThatThrownBy(() -> ConfigLoader.load(ttl))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'session_ttl_seconds': 0 is out of range");
    }

    @Test
    void limitsHaveDefaultsAndEachCanBeSet() throws IOException {
        assertThat(ConfigLoader.load(write(BASE)).limits()).isEqualTo(Limits.DEFAULTS);
        Limits set = ConfigLoader.load(write(BASE + "limits:\n  held_messages: 7\n  held_bytes: 4096\n"
                        + "  history_kept: 20\n  history_page: 10\n  history_calls_per_minute: 30\n"
                        + "  groups_per_user: 5\n  members_per_group: 8\n  group_changes_per_minute: 2\n"
                        + "  group_invitations_per_user: 3\n  group_invitation_hours: 1\n"))
                .limits();
        assertThat(set).isEqualTo(new Limits(7, 4096, 20, 10, 30, 5, 8, 2, 3, 1, Limits.DEVICES_PER_USER));
    }

    @Test
    void badLimitsNameTheKey() throws IOException {
        Path unknown = write(BASE + "limits:\n  held_mesages: 7\n");
        assertThatThrownBy(() -> ConfigLoader.load(unknown))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("key 'limits.held_mesages': unknown; known keys: held_messages,");
        Path fewer = write(BASE + "limits:\n  history_kept: 2\n");
        assertThatThrownBy(() -> ConfigLoader.load(fewer))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("key 'limits.history_kept': 2 is out of range 5..");
        Path tooMany = write(BASE + "limits:\n  groups_per_user: 500\n  members_per_group: 500\n");
        assertThatThrownBy(() -> ConfigLoader.load(tooMany))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("(500 + 20) x 500 names would not fit in one Login answer; at most 25000");
    }

    @Test
    void usersAndGroupsMustFitInOneLoginAnswer() throws IOException {
        StringBuilder users = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            users.append(i == 0 ? "" : ",").append("user-with-a-long-name-").append(i);
        }
        Path huge = write("port: 3000\nmax_num_messages_per_user: 5\nmax_call_per_30_seconds_per_user: 3\n" + "users: ["
                + users + "]\n");
        assertThatThrownBy(() -> ConfigLoader.load(huge))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("keys 'users' and 'groups' list")
                .hasMessageContaining("at most 1048576 fit in one Login answer");
    }
}
