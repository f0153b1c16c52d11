package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.OutputLines;
import dev.spartan.testing.Ports;
import dev.spartan.testing.ServerRun;
import dev.spartan.testing.SpartanJar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log level comes from --log-level, else SPARTAN_LOG_LEVEL, else INFO; a level that is none is refused. */
class LogLevelIT {
    @TempDir
    Path dir;

    /** Starts a node, stops it with SIGTERM, and returns what it logged. */
    private String logOfARun(String environmentLevel, String... args) throws Exception {
        int port = Ports.free();
        List<String> all = new ArrayList<>(List.of(
                "server",
                "--port",
                String.valueOf(port),
                "--data",
                dir.resolve("data-" + port).toString(),
                "--drain-seconds",
                "0"));
        all.addAll(List.of(args));
        Path log = dir.resolve("log-" + port);
        ProcessBuilder builder = SpartanJar.command(all.toArray(String[]::new)).redirectError(log.toFile());
        builder.environment().put("SPARTAN_LOG_LEVEL", environmentLevel);
        Process p = builder.start();
        new OutputLines("server", p.getInputStream())
                .awaitLine("Spartan server started on port " + port + ".", Duration.ofSeconds(60));
        p.destroy();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return Files.readString(log);
    }

    @Test
    void theEnvironmentSetsTheLevelAndTheFlagWins() throws Exception {
        String warnOnly = logOfARun("warn");
        assertThat(warnOnly).doesNotContain(" INFO ");

        // with --log-file the lines go to the file, dated, and stderr stays empty
        Path file = dir.resolve("logs/spartan.log");
        String stderr = logOfARun("WARN", "--log-level", "info", "--log-file", file.toString());
        assertThat(stderr).isEmpty();
        assertThat(Files.readAllLines(file))
                .anyMatch(l -> l.matches(
                        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  d\\.s\\.ops\\.StoreHealth -"
                                + " store available: health SERVING"));
    }

    @Test
    void aBadOptionValueIsOneLineAndExitTwo() throws Exception {
        ServerRun level = run("--log-level", "LOUD");
        assertThat(level.stderr().lines().toList())
                .containsExactly("spartan server: Invalid value for option '--log-level': expected one of ERROR, WARN,"
                        + " INFO, DEBUG, TRACE, got 'LOUD' (see spartan server --help)");
        assertThat(level.exit()).isEqualTo(2);
        ServerRun size = run("--log-file", dir.resolve("x.log").toString(), "--log-max-size", "lots");
        assertThat(size.stderr().lines().toList())
                .containsExactly(
                        "spartan server: --log-max-size lots is not a size: expected e.g. 100MB, 512KB or 1GB");
        assertThat(size.exit()).isEqualTo(2);
    }

    private ServerRun run(String... args) throws Exception {
        return ServerRun.of(dir, args);
    }

    @Test
    void aLevelThatIsNoneIsRefusedInOneLine() throws Exception {
        ProcessBuilder builder = SpartanJar.command(
                        "server", "--data", dir.resolve("data").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("SPARTAN_LOG_LEVEL", "LOUD");
        Process p = builder.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(err.lines().toList())
                .containsExactly("spartan server: SPARTAN_LOG_LEVEL=LOUD is not a log level: expected one of ERROR,"
                        + " WARN, INFO, DEBUG, TRACE");
        assertThat(p.exitValue()).isEqualTo(2);
    }
}
