package dev.spartan;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.OperationsConfig;
import dev.spartan.config.SpartanConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The files under deploy/ cannot be run here (no Docker, no systemd as init), so this checks what can be checked:
 * systemd accepts the unit, the example config loads, and every command line in them is one the jar accepts.
 */
class DeployFilesTest {
    private static final Path DEPLOY = Path.of("deploy");

    @Test
    void systemdAcceptsTheUnitFile() throws Exception {
        Process verify = new ProcessBuilder(
                        "systemd-analyze",
                        "verify",
                        DEPLOY.resolve("spartan.service").toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // verify exits 0 on unknown keys too, with a warning: no output at all is the real pass.
        assertThat(out).isEmpty();
        assertThat(verify.exitValue()).isZero();
    }

    @Test
    void systemdRatesTheUnitsHardeningAtExposureFourOrLess() throws Exception {
        Process security = new ProcessBuilder(
                        "systemd-analyze",
                        "security",
                        "--offline=yes",
                        DEPLOY.resolve("spartan.service").toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(security.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(security.waitFor(60, TimeUnit.SECONDS)).isTrue();
        java.util.regex.Matcher level = java.util.regex.Pattern.compile(
                        "Overall exposure level for spartan.service: (\\d+\\.\\d)")
                .matcher(out);
        assertThat(level.find()).as(out).isTrue();
        assertThat(Double.parseDouble(level.group(1))).as(out).isLessThanOrEqualTo(4.0);
        // the four the issue names
        assertThat(Files.readString(DEPLOY.resolve("spartan.service")))
                .contains("SystemCallFilter=", "RestrictAddressFamilies=", "CapabilityBoundingSet=", "UMask=0077")
                // a config mistake (2) is not restarted; a Redis not up yet (3) is; SIGHUP reloads
                .contains(
                        "Restart=on-failure\n", "RestartPreventExitStatus=2\n", "ExecReload=/bin/kill -HUP $MAINPID\n");
    }

    @Test
    void theUnitRunsAServerCommandTheJarAccepts() throws Exception {
        String execStart = Files.readAllLines(DEPLOY.resolve("spartan.service")).stream()
                .filter(l -> l.startsWith("ExecStart="))
                .findFirst()
                .orElseThrow();
        List<String> words =
                Arrays.asList(execStart.substring("ExecStart=".length()).split(" "));
        assertThat(words.subList(0, 4))
                .containsExactly(
                        "/usr/bin/java", "-Djava.library.path=/opt/spartan/native", "-jar", "/opt/spartan/spartan.jar");
        assertThat(execStartInstallsLibrary())
                .as("the header installs libsignal's library where it is looked for")
                .isTrue();
        assertAccepted(words.subList(4, words.size()));
    }

    private static boolean execStartInstallsLibrary() throws IOException {
        return Files.readString(DEPLOY.resolve("spartan.service"))
                .contains("target/native/libsignal_jni.so /opt/spartan/native/libsignal_jni.so");
    }

    @Test
    void theExampleConfigLoadsWithTheOperationalKeysSet() {
        SpartanConfig config = ConfigLoader.load(DEPLOY.resolve("config.yaml"));
        assertThat(config.port()).isEqualTo(3000);
        assertThat(config.operations()).isEqualTo(new OperationsConfig(null, 9464, Duration.ofSeconds(5)));
    }

    @Test
    void theDockerfileCommandsAreOnesTheJarAccepts() throws Exception {
        List<String> lines = Files.readAllLines(DEPLOY.resolve("Dockerfile"));
        List<String> entrypoint = jsonArray(instruction(lines, "ENTRYPOINT"));
        List<String> cmd = jsonArray(instruction(lines, "CMD"));
        assertThat(entrypoint.subList(0, 4))
                .containsExactly("java", "-Djava.library.path=/opt/spartan/native", "-jar", "/opt/spartan/spartan.jar");
        assertThat(lines).contains("COPY --from=build /src/target/native /opt/spartan/native");
        List<String> server = new ArrayList<>(entrypoint.subList(4, entrypoint.size()));
        server.addAll(cmd);
        assertAccepted(server);

        StringBuilder healthcheck = new StringBuilder();
        for (int i = indexOf(lines, "HEALTHCHECK"); ; i++) { // with its continuation lines
            healthcheck.append(lines.get(i).replaceAll("\\\\$", "")).append(' ');
            if (!lines.get(i).endsWith("\\")) {
                break;
            }
        }
        // GET /healthz on the config's metrics port, by bash alone (SystemdUnitIT runs it against a node)
        List<String> probe = jsonArray(healthcheck.substring(healthcheck.indexOf("CMD ") + 4));
        assertThat(probe.subList(0, 2)).containsExactly("bash", "-c");
        assertThat(probe.get(2))
                .contains("/dev/tcp/127.0.0.1/"
                        + ConfigLoader.load(DEPLOY.resolve("config.yaml"))
                                .operations()
                                .metricsPort())
                .contains("GET /healthz ");

        // built with the README's build command (the one ./spartan runs on first use)
        assertThat(lines).contains("RUN mvn -B -q -DskipTests package");
        assertThat(Files.readString(Path.of("spartan"))).contains("mvn -B -q -DskipTests package");
        assertThat(lines).anyMatch(l -> l.startsWith("USER spartan"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theComposeFileRunsTwoNodesOnARedisWithAofAndAPasswordAndCommandsTheJarAccepts() throws Exception {
        String text = Files.readString(DEPLOY.resolve("compose.yaml"));
        Map<String, Object> compose = new Yaml().load(text);
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        assertThat(services).containsOnlyKeys("redis", "node1", "node2");
        String redis = String.join(" ", (List<String>) services.get("redis").get("command"));
        assertThat(redis).contains("requirepass", "--appendonly yes", "exec redis-server /tmp/auth.conf");
        Map<String, Map<String, Object>> networks = (Map<String, Map<String, Object>>) compose.get("networks");
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            Map<String, Object> s = service.getValue();
            assertThat(s.get("restart")).as(service.getKey()).isEqualTo("unless-stopped");
            assertThat(String.valueOf(s.get("image"))).as("a pinned tag").matches("[a-z0-9]+:\\d+\\.\\d+\\.\\d+");
            assertThat((Map<String, String>) s.get("environment"))
                    .as("the password comes from deploy/.env, never written here")
                    .containsEntry(
                            "SPARTAN_REDIS_PASSWORD",
                            "${SPARTAN_REDIS_PASSWORD:?put SPARTAN_REDIS_PASSWORD in deploy/.env}");
        }
        assertThat(networks.get("store")).containsEntry("internal", true);
        assertThat(networks.get("metrics")).containsEntry("internal", true);
        assertThat((List<String>) services.get("redis").get("networks")).containsExactly("store");
        for (String node : List.of("node1", "node2")) {
            Map<String, Object> s = services.get(node);
            assertThat((List<String>) s.get("ports"))
                    .as("gRPC only; metrics stay on the internal network")
                    .singleElement()
                    .asString()
                    .endsWith(":3000");
            assertThat((List<String>) s.get("networks")).contains("metrics", "store");
            List<String> args = new ArrayList<>(List.of("server")); // the image's ENTRYPOINT ends with "server"
            args.addAll((List<String>) s.get("command"));
            assertThat(args).containsSubsequence("--redis", "redis://redis:6379");
            assertAccepted(args);
        }
        assertThat((Map<String, Map<String, String>>) services.get("node2").get("depends_on"))
                .containsEntry("node1", Map.of("condition", "service_healthy")); // the image's HEALTHCHECK
        assertThat(Files.readString(DEPLOY.resolve("Dockerfile"))).contains("FROM eclipse-temurin:17.0.13_11-jre");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theClusterComposeFileRunsThreePrimariesThreeReplicasAndTwoNodesOnThem() throws Exception {
        Map<String, Object> compose = new Yaml().load(Files.readString(DEPLOY.resolve("compose-redis-cluster.yaml")));
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        List<String> redisNodes = List.of("redis1", "redis2", "redis3", "redis4", "redis5", "redis6");
        assertThat(services.keySet()).containsAll(redisNodes).contains("cluster-create", "node1", "node2");
        for (String name : redisNodes) {
            String command = String.join(" ", (List<String>) services.get(name).get("command"));
            assertThat(command)
                    .as(name)
                    .contains(
                            "requirepass",
                            "masterauth", // a replica must authenticate to its primary
                            "--appendonly yes",
                            "--cluster-enabled yes",
                            "--cluster-config-file /data/nodes.conf");
            assertThat((List<String>) services.get(name).get("volumes"))
                    .singleElement()
                    .asString()
                    .startsWith(name + "-data:");
        }
        String create =
                String.join(" ", (List<String>) services.get("cluster-create").get("command"));
        assertThat(create)
                .contains("redis-cli --cluster create redis1:6379 redis2:6379 redis3:6379 redis4:6379 redis5:6379"
                        + " redis6:6379 --cluster-replicas 1 --cluster-yes");
        for (String node : List.of("node1", "node2")) {
            List<String> args = new ArrayList<>(List.of("server"));
            args.addAll((List<String>) services.get(node).get("command"));
            String uri = args.get(args.indexOf("--redis") + 1);
            assertThat(uri).isEqualTo("redis-cluster://redis1:6379,redis2:6379,redis3:6379");
            assertThat(ConfigLoader.redisUriProblem(uri)).isNull();
            assertAccepted(args);
            assertThat((Map<String, Map<String, String>>) services.get(node).get("depends_on"))
                    .containsEntry("cluster-create", Map.of("condition", "service_completed_successfully"));
        }
    }

    @Test
    void theInviteStepForComposeInTheReadmeIsACommandTheJarAccepts() throws Exception {
        String prefix = "docker compose -f deploy/compose.yaml exec node1 ";
        String readme = Files.readString(Path.of("README.md"));
        String line = readme.lines()
                .map(String::trim)
                .filter(l -> l.startsWith(prefix) && l.contains(" admin invite "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("README has no compose invite step"));
        assertThat(Files.readString(DEPLOY.resolve("compose.yaml"))).contains("#   " + line);
        List<String> words = Arrays.asList(line.substring(prefix.length()).split(" "));
        assertThat(words.subList(0, 4))
                .containsExactly("java", "-Djava.library.path=/opt/spartan/native", "-jar", "/opt/spartan/spartan.jar");
        assertThat(words).containsSubsequence("--data", "/var/lib/spartan"); // the volume the node's CMD uses
        assertAccepted(words.subList(4, words.size()));
    }

    /** Parses the arguments as the jar's command line would, without running anything. */
    private static void assertAccepted(List<String> args) {
        CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
        assertThat(parsed.hasSubcommand()).as(args.toString()).isTrue();
        assertThat(parsed.subcommand().errors()).as(args.toString()).isEmpty();
    }

    private static String instruction(List<String> lines, String name) {
        return lines.get(indexOf(lines, name)).substring(name.length()).trim();
    }

    private static int indexOf(List<String> lines, String name) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(name + " ")) {
                return i;
            }
        }
        throw new AssertionError("no " + name + " in the Dockerfile");
    }

    private static List<String> jsonArray(String text) {
        List<String> out = new ArrayList<>();
        JsonParser.parseString(text.trim()).getAsJsonArray().forEach(e -> out.add(e.getAsString()));
        return out;
    }
}
