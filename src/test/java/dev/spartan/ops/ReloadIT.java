package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spartan.testing.ServerProcess;
import dev.spartan.testing.WireSession;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP reloads config.yaml: users, config groups and log_level take effect at once, other changed keys are named
 * as needing a restart (a rate limit among the limits too), and a file that does not load changes nothing.
 */
class ReloadIT {
    @TempDir
    Path dir;

    @Test
    void sighupAppliesUsersGroupsAndTheLogLevelAndNamesWhatNeedsARestart() throws Exception {
        String original = ServerProcess.defaultConfig();
        try (ServerProcess server = new ServerProcess(dir.resolve("node"), original)) {
            Path config = dir.resolve("node").resolve("config-" + server.port() + ".yaml"); // as ServerProcess wrote it
            assertThatThrownBy(() -> WireSession.login("dave", dir.resolve("keys/dave"), server.port()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

            String text = Files.readString(config);
            Files.writeString(
                    config,
                    text.replace("users: [alice,", "users: [dave, alice,")
                            + "\n group3: [alice, dave]\nlog_level: debug\nmax_message_bytes: 1000\n"
                            + "limits:\n  groups_per_user: 1\n  group_changes_per_minute: 3\n");
            hangUp(server);
            // The applied line comes first, the restart line after it: wait for the last of the reload's lines.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> server.log().contains("reload: changed in the file, but kept as they were"));
            assertThat(server.log())
                    .contains("reload of " + config + ": applied user dave added; group group3 added [alice, dave];"
                            + " log_level DEBUG; limits.groups_per_user 1")
                    .contains("reload: changed in the file, but kept as they were until a restart:"
                            + " limits.group_changes_per_minute, maxMessageBytes");
            try (WireSession dave = WireSession.login("dave", dir.resolve("keys/dave"), server.port())) {
                assertThat(dave.loginResponse().getUsersList()).contains("dave");
                dave.createGroup("first", "alice");
                assertThatThrownBy(() -> dave.createGroup("second", "bob"))
                        .isInstanceOfSatisfying(
                                StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getDescription())
                                        .isEqualTo(
                                                "you are already in as many groups as one user can be in (1): leave one"
                                                        + " first"));
            }
            assertThat(server.log()).as("the new level applies").contains(" DEBUG ");

            Files.writeString(config, text + "\nlog_level: loud\n");
            hangUp(server);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> server.log()
                            .contains("reload refused, nothing changed: " + config
                                    + ": key 'log_level': expected one of ERROR, WARN, INFO, DEBUG, TRACE, got loud"));
            assertThat(server.awaitExit(Duration.ZERO))
                    .as("SIGHUP does not stop the node")
                    .isEqualTo(-1);
        }
    }

    private static void hangUp(ServerProcess server) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(server.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }
}
