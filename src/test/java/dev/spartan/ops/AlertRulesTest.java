package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/prometheus/alerts.yml as Prometheus reads it: {@code promtool check rules}, and {@code promtool test rules}
 * on alerts_test.yml, which feeds each alert the series that should fire it and checks its labels and text. Which
 * metric names the rules use is checked against a real scrape in MetricsAndIntrospectionIT.
 */
class AlertRulesTest {
    static final Path RULES = Path.of("deploy/prometheus/alerts.yml");

    /** promtool from PATH, else where ./spartan test puts it (extracted from Debian's prometheus package). */
    static Path promtool() {
        Path cached = Path.of(System.getProperty("user.home"), ".cache/spartan/bin/promtool");
        return Stream.concat(
                        Stream.of(System.getenv("PATH").split(":")).map(d -> Path.of(d, "promtool")), Stream.of(cached))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new AssertionError("promtool not found: ./spartan test installs it in " + cached));
    }

    @Test
    void promtoolAcceptsTheRulesAndEveryAlertFiresOnItsSeries() throws Exception {
        assertThat(promtool(List.of("check", "rules", RULES.toString()))).contains("SUCCESS: 6 rules found");
        assertThat(promtool(List.of(
                        "test", "rules", RULES.resolveSibling("alerts_test.yml").toString())))
                .contains("SUCCESS");
        String tests = Files.readString(RULES.resolveSibling("alerts_test.yml"));
        for (String alert : List.of(
                "SpartanNodeDown",
                "SpartanStoreUnavailable",
                "SpartanRateLimiterDegraded",
                "SpartanDeliveryLagHigh",
                "SpartanStoreErrors",
                "SpartanDataDiskFilling")) {
            assertThat(tests)
                    .as("a test fires " + alert)
                    .contains("alertname: " + alert + "\n        exp_alerts:\n          - ");
        }
    }

    private static String promtool(List<String> args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(promtool().toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
