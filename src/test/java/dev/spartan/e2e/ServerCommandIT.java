package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.SpartanJar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server command refuses bad setup in one line a person can act on, and exits non-zero. */
class ServerCommandIT {
    @TempDir
    Path dir;

    private record Run(int exit, String stderr) {}

    private Run server(String... args) throws Exception {
        Process p = SpartanJar.command(args)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), err.strip());
    }

    @Test
    void brokenConfigNamesTheFileAndTheKey() throws Exception {
        Path config = dir.resolve("broken.yaml");
        Files.writeString(config, Files.readString(Path.of("config.yaml")).replace("group1: [alice,", "group1: [zed,"));
        Run run = server(
                "server",
                "--config",
                config.toString(),
                "--data",
                dir.resolve("data").toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.stderr())
                .isEqualTo("spartan server: " + config + ": key 'groups.group1': member 'zed' is not in users");
    }

    @Test
    void missingConfigAndBadRateLimitAreReportedInWords() throws Exception {
        Run missing = server("server", "--config", dir.resolve("nope.yaml").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.stderr()).isEqualTo("spartan server: " + dir.resolve("nope.yaml") + ": file not found");

        Run badLimit = server(
                "server", "--rate-limit", "fast", "--data", dir.resolve("data").toString());
        assertThat(badLimit.exit()).isEqualTo(2);
        assertThat(badLimit.stderr())
                .isEqualTo("spartan server: --rate-limit expects N/SECONDS with N >= 1, e.g. 15/1");
    }
}
