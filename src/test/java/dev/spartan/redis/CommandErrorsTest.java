package dev.spartan.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every client made by RedisClients counts its failed commands; successful ones are not counted. */
class CommandErrorsTest {
    @Test
    void anErrorReplyIsCountedAndASuccessIsNot() {
        try (RedisServerProcess redis = new RedisServerProcess()) {
            RedisClient client = RedisClients.create(redis.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().set("text", "not a number");
                long before = CommandErrors.count();
                connection.sync().get("text");
                assertThat(CommandErrors.count()).isEqualTo(before);
                assertThatThrownBy(() -> connection.sync().incr("text"))
                        .isInstanceOf(RedisCommandExecutionException.class);
                await().atMost(Duration.ofSeconds(5)).until(() -> CommandErrors.count() == before + 1);
            } finally {
                client.shutdown();
            }
        }
    }
}
