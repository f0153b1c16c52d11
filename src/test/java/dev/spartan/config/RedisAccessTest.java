package dev.spartan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisAccessTest {
    @TempDir
    Path dir;

    @Test
    void aPasswordInAUriIsHiddenInEveryFormLettuceReads() {
        assertThat(RedisAccess.redact("redis://:s3cret@db:6379")).isEqualTo("redis://:***@db:6379");
        assertThat(RedisAccess.redact("rediss://app:s3cret@db:6380/0")).isEqualTo("rediss://app:***@db:6380/0");
        assertThat(RedisAccess.redact("redis://s3cret@db:6379")).isEqualTo("redis://***@db:6379");
        assertThat(RedisAccess.redact("redis://db:6379")).isEqualTo("redis://db:6379");
        assertThat(RedisAccess.hasPassword("redis://db:6379")).isFalse();
        assertThat(RedisAccess.username("rediss://app:s3cret@db:6380")).isEqualTo("app");
        assertThat(RedisAccess.username("redis://:s3cret@db")).isNull();
        assertThat(new RedisAccess("s3cret", null, Duration.ZERO).toString()).doesNotContain("s3cret");
    }

    @Test
    void theConfigReadsThePasswordFileTheCaFileAndTheStartWait() throws Exception {
        Path password = Files.writeString(dir.resolve("pw"), "s3cret\n");
        Path ca = Files.writeString(dir.resolve("ca.crt"), "PEM");
        Path file = Files.writeString(
                dir.resolve("config.yaml"),
                Files.readString(Path.of("config.yaml")) + "\nredis: rediss://db:6380\nredis_password_file: " + password
                        + "\nredis_ca_file: " + ca + "\nredis_start_wait_seconds: 2.5\n");
        RedisAccess access = ConfigLoader.load(file).operations().redis();
        assertThat(access).isEqualTo(new RedisAccess("s3cret", ca, Duration.ofMillis(2500)));

        Files.writeString(file, Files.readString(Path.of("config.yaml")) + "\nredis_password_file: /nonexistent/pw\n");
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .hasMessage(file + ": key 'redis_password_file': cannot read /nonexistent/pw (NoSuchFileException)");
    }

    @Test
    void replicasToAckDefaultsByModeAndIsReadWithinItsRange() throws Exception {
        Path file = Files.writeString(
                dir.resolve("replicas.yaml"),
                Files.readString(Path.of("config.yaml")) + "\nredis: redis-cluster://10.0.0.1:7000,10.0.0.2:7000\n");
        RedisAccess unset = ConfigLoader.load(file).operations().redis();
        assertThat(unset.replicasToAck(true)).isEqualTo(1); // Redis Cluster
        assertThat(unset.replicasToAck(false)).isZero(); // one Redis: as before

        Files.writeString(file, Files.readString(file) + "redis_replicas_to_ack: 2\n");
        assertThat(ConfigLoader.load(file).operations().redis().replicasToAck(true))
                .isEqualTo(2);

        Files.writeString(file, Files.readString(Path.of("config.yaml")) + "\nredis_replicas_to_ack: 17\n");
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .hasMessage(file + ": key 'redis_replicas_to_ack': 17 is out of range 0..16");
    }

    @Test
    void aClusterUriWithoutPortsIsRefusedWithAnExample() throws Exception {
        assertThat(ConfigLoader.redisUriProblem("redis-cluster://10.0.0.1:7000,10.0.0.2:7000"))
                .isNull();
        assertThat(ConfigLoader.redisUriProblem("redis-cluster://:pw@10.0.0.1"))
                .isEqualTo("expected host:port seed nodes separated by commas in redis-cluster://:***@10.0.0.1,"
                        + " e.g. redis-cluster://10.0.0.1:7000,10.0.0.2:7000");
    }
}
