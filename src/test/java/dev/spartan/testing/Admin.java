package dev.spartan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code spartan admin ...} as a separate process, as the operator runs it. */
public final class Admin {
    private Admin() {}

    public record Run(int exit, String out, String err) {
        /** The code of an "Enrollment code for NAME: CODE" line. */
        public String code() {
            return out.lines()
                    .filter(l -> l.startsWith("Enrollment code for "))
                    .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no enrollment code in: " + out + err));
        }
    }

    public static Run run(Path dataDir, String... args) {
        List<String> all = new ArrayList<>(List.of("admin"));
        all.addAll(List.of(args));
        all.addAll(List.of("--data", dataDir.toString()));
        try {
            Process p = SpartanJar.command(all.toArray(String[]::new)).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("spartan admin did not finish");
            }
            return new Run(
                    p.exitValue(),
                    new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
