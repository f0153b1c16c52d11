package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.spartan.testing.OutputLines;
import dev.spartan.testing.Ports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The unit's install commands as its header writes them, then its {@code ExecStart} as the user it names. systemd is
 * not PID 1 here, so the test does what systemd would: a real system user made by the header's {@code useradd}, the
 * {@code StateDirectory} owned by it with {@code StateDirectoryMode}, and the command run under that user's ids with
 * {@code UMask} and {@code NoNewPrivileges}. Every absolute path of the header and of {@code ExecStart} is moved under
 * a scratch root, so that the machine's /etc and /opt are left alone; the user is real.
 */
class SystemdUnitIT {
    private static final Path UNIT = Path.of("deploy/spartan.service");

    @Test
    void theHeadersInstallCommandsGiveANodeThatStartsAsUserSpartan() throws Exception {
        List<String> unit = Files.readAllLines(UNIT);
        List<String> header = new ArrayList<>();
        for (String line : unit) {
            if (line.startsWith("[")) {
                break;
            }
            if (line.startsWith("#   ")) {
                header.add(line.substring(4));
            }
        }
        assertThat(header.get(0)).startsWith("useradd --system ").endsWith(" spartan");
        assertThat(header.get(header.size() - 1)).startsWith("systemctl daemon-reload");
        if (run(List.of("id", "spartan")).code != 0) {
            Result useradd = run(List.of("sh", "-c", header.get(0)));
            assertThat(useradd.code).as(useradd.output).isZero();
        }

        Path root = Files.createTempDirectory("unit-root");
        try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x")); // as / is
            for (String command : header.subList(1, header.size() - 1)) {
                assertThat(command).startsWith("install ");
                Result install = run(List.of("sh", "-c", underRoot(command, root)));
                assertThat(install.code).as(command + ": " + install.output).isZero();
            }
            Path config = root.resolve("etc/spartan/config.yaml");
            assertThat(Files.getAttribute(config, "posix:group", LinkOption.NOFOLLOW_LINKS)
                            .toString())
                    .isEqualTo("spartan");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
                    .isEqualTo("rw-r-----");
            // Free ports instead of 3000 and 9464, which another test may hold; owner and mode stay as installed.
            int port = Ports.free();
            int metricsPort = Ports.free();
            Files.writeString(
                    config,
                    Files.readString(config)
                            .replaceFirst("(?m)^port: 3000$", "port: " + port)
                            .replaceFirst("(?m)^metrics_port: 9464$", "metrics_port: " + metricsPort));

            Path state = root.resolve("var/lib/spartan"); // StateDirectory=spartan, StateDirectoryMode=0700
            Files.createDirectories(state);
            assertThat(run(List.of("chown", "spartan:spartan", state.toString())).code)
                    .isZero();
            assertThat(directive(unit, "StateDirectoryMode")).isEqualTo("0700");
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));

            List<String> execStart = new ArrayList<>(
                    Arrays.asList(underRoot(directive(unit, "ExecStart"), root).split(" ")));
            execStart.set(0, "/usr/bin/java"); // the one path not moved: the system's JVM
            List<String> asUser = new ArrayList<>(List.of(
                    "sh",
                    "-c",
                    "umask " + directive(unit, "UMask") + " && exec \"$@\"",
                    "sh",
                    "setpriv",
                    "--reuid=" + directive(unit, "User"),
                    "--regid=" + directive(unit, "Group"),
                    "--init-groups",
                    "--no-new-privs"));
            asUser.addAll(execStart);
            ProcessBuilder pb = new ProcessBuilder(asUser).redirectErrorStream(true);
            String[] env = directive(unit, "Environment").split("=", 2);
            pb.environment().put(env[0], env[1]);
            Process node = pb.start();
            try {
                OutputLines out = new OutputLines("unit", node.getInputStream());
                out.awaitLine("Spartan server started on port " + port + ".", Duration.ofSeconds(60));
                // The node's files are its user's alone (UMask=0077).
                Path store = state.resolve("tls/server.key");
                assertThat(Files.getAttribute(store, "posix:owner").toString()).isEqualTo("spartan");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("tls"))))
                        .isEqualTo("rwx------");

                // The Dockerfile's HEALTHCHECK, as Docker would run it, on this node's metrics port.
                List<String> healthcheck = dockerHealthcheck(metricsPort);
                assertThat(run(healthcheck).code).isZero();

                node.destroy(); // SIGTERM, as KillSignal says
                assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(directive(unit, "SuccessExitStatus")).isEqualTo(String.valueOf(node.exitValue()));
                assertThat(run(healthcheck).code)
                        .as("a stopped node is unhealthy")
                        .isNotZero();
            } finally {
                node.destroyForcibly();
            }
        } finally {
            run(List.of("rm", "-rf", root.toString()));
        }
    }

    /** The HEALTHCHECK's CMD (a JSON array, over continuation lines), pointed at {@code port} instead of 9464. */
    private static List<String> dockerHealthcheck(int port) throws IOException {
        String text = Files.readString(Path.of("deploy/Dockerfile")).replace("\\\n", " ");
        String line = text.lines()
                .filter(l -> l.startsWith("HEALTHCHECK "))
                .findFirst()
                .orElseThrow();
        List<String> cmd = new ArrayList<>();
        JsonParser.parseString(line.substring(line.indexOf("CMD ") + 4))
                .getAsJsonArray()
                .forEach(e -> cmd.add(e.getAsString().replace("/9464 ", "/" + port + " ")));
        return cmd;
    }

    /** The absolute paths of an install command or of ExecStart, moved under {@code root}. */
    private static String underRoot(String command, Path root) {
        return command.replaceAll("(?<=[ =])/(etc|opt|var)/", root + "/$1/");
    }

    private static String directive(List<String> unit, String name) {
        return unit.stream()
                .filter(l -> l.startsWith(name + "="))
                .map(l -> l.substring(name.length() + 1))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + "= in the unit"));
    }

    private record Result(int code, String output) {}

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
