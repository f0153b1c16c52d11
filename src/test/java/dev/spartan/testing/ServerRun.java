package dev.spartan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code spartan server} process run to its end, for the mistakes that stop it before it serves. */
public record ServerRun(int exit, String stderr) {
    /** Runs {@code spartan server ARGS} (with a data directory under {@code dir} unless ARGS name one). */
    public static ServerRun of(Path dir, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("server", "--drain-seconds", "0"));
        all.addAll(List.of(args));
        if (!all.contains("--data")) {
            all.addAll(List.of("--data", dir.resolve("data").toString()));
        }
        Process p = SpartanJar.command(all.toArray(String[]::new))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new ServerRun(p.exitValue(), err);
    }
}
