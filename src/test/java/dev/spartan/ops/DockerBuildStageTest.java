package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Dockerfile's build stage, run without Docker: exactly the files its COPY lines name, copied into a scratch
 * directory, and its own {@code RUN mvn ...} line, offline.
 *
 * <p>Why not the whole {@code package}: it costs about 60 s of CPU, which the suite cannot spare. What depends on
 * what the stage copies is the compile: Maven's JVM must open javac's internals to Error Prone
 * ({@code .mvn/jvm.config}), or javac fails as it loads the plugin, before it reads a source file. So the test stops
 * the same command at {@code compile} with {@code -proc:only} (javac loads its plugins, Error Prone among them, and
 * parses every source, but generates no classes), skips the format check (it reads only what {@code src/} holds) and drops {@code -q}, which would hide javac's warnings.
 * With {@code -proc:only} javac warns that no annotation processor claimed anything, and the POM's {@code -Werror}
 * turns that warning into the build's only complaint: that complaint is the proof that javac got past Error Prone.
 * The same run without {@code .mvn/} fails with the {@code IllegalAccessError} of issue 29, so the check is not
 * vacuous. The full {@code mvn -B -q -DskipTests package} on the same files was run by hand when this was written.
 */
class DockerBuildStageTest {
    private static final Path DOCKERFILE = Path.of("deploy/Dockerfile");
    private static final String GOT_PAST_ERROR_PRONE =
            "Annotation processing without compilation requested but no processors were found";
    private static final String ERROR_PRONE_LOCKED_OUT = "module jdk.compiler does not export com.sun.tools.javac";

    @TempDir
    Path scratch;

    @Test
    void theBuildStageCompilesWithExactlyTheFilesItCopiesAndNeedsMvnForIt() throws Exception {
        List<String> stage = buildStage(Files.readAllLines(DOCKERFILE));
        List<String> copied = new ArrayList<>();
        for (String line : stage) {
            if (line.startsWith("COPY ")) {
                String[] words = line.substring(5).trim().split("\\s+");
                assertThat(words).as(line).hasSize(2); // SRC DEST, relative to the WORKDIR
                copyTree(Path.of(words[0]), scratch.resolve(words[1]).resolve(destName(words)));
                copied.add(words[0]);
            }
        }
        assertThat(copied).contains("pom.xml", ".mvn", "src");
        List<String> build = compileOnly(runLine(stage));

        Result withMvn = run(build, scratch);
        assertThat(withMvn.output).doesNotContain(ERROR_PRONE_LOCKED_OUT).contains(GOT_PAST_ERROR_PRONE);
        assertThat(withMvn.output.lines().filter(l -> l.startsWith("[ERROR] ") && l.contains(".java")))
                .as("no source file is refused")
                .isEmpty();

        deleteTree(scratch.resolve(".mvn"));
        deleteTree(scratch.resolve("target"));
        Result without = run(build, scratch);
        assertThat(without.code).isNotZero();
        assertThat(without.output).contains(ERROR_PRONE_LOCKED_OUT).doesNotContain(GOT_PAST_ERROR_PRONE);
    }

    /** The lines from the first FROM up to the next one. */
    private static List<String> buildStage(List<String> lines) {
        List<String> stage = new ArrayList<>();
        boolean in = false;
        for (String line : lines) {
            if (line.startsWith("FROM ")) {
                if (in) {
                    break;
                }
                in = true;
            } else if (in) {
                stage.add(line);
            }
        }
        return stage;
    }

    private static String destName(String[] words) {
        // "COPY pom.xml ./" keeps the name; "COPY src ./src" names the target itself
        return words[1].endsWith("/") ? Path.of(words[0]).getFileName().toString() : "";
    }

    private static List<String> runLine(List<String> stage) {
        String run = stage.stream()
                .filter(l -> l.startsWith("RUN mvn "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no RUN mvn in the build stage"));
        List<String> words = new ArrayList<>(Arrays.asList(run.substring(4).split(" ")));
        assertThat(words).containsExactly("mvn", "-B", "-q", "-DskipTests", "package");
        return words;
    }

    /** The same command, offline, stopped after javac has loaded its plugins (see the class comment). */
    private static List<String> compileOnly(List<String> words) {
        List<String> out = new ArrayList<>(words.subList(0, words.size() - 1));
        out.remove("-q"); // javac's warnings are the evidence, and -q hides them
        out.addAll(List.of("-o", "-Dspotless.check.skip=true", "-Dmaven.compiler.proc=only", "compile"));
        return out;
    }

    private record Result(int code, String output) {}

    private static Result run(List<String> command, Path dir) throws Exception {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
