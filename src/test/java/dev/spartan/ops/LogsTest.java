package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** java.util.logging (grpc-java's own logger) comes out through Logback in the chosen format and level. */
class LogsTest {
    private final PrintStream realErr = System.err;

    @AfterEach
    void restore() {
        System.setErr(realErr);
        System.clearProperty(Logs.LEVEL_PROPERTY);
        Logs.configure(Logs.Format.TEXT, null);
    }

    private String capture(Runnable logging) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            logging.run();
        } finally {
            System.setErr(realErr);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aJulWarningOfGrpcComesOutAsJsonLikeEveryOtherLine() {
        String err = capture(() -> {
            Logs.configure(Logs.Format.JSON, "INFO");
            Logger.getLogger("io.grpc.internal.SomeGrpcClass").warning("a warning from grpc-java");
            LoggerFactory.getLogger("dev.spartan.Example").info("a line of ours");
        });
        var lines = err.lines().toList();
        assertThat(lines).hasSize(2);
        JsonObject grpc = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertThat(grpc.get("loggerName").getAsString()).isEqualTo("io.grpc.internal.SomeGrpcClass");
        assertThat(grpc.get("level").getAsString()).isEqualTo("WARN");
        assertThat(grpc.get("formattedMessage").getAsString()).isEqualTo("a warning from grpc-java");
        JsonObject ours = JsonParser.parseString(lines.get(1)).getAsJsonObject();
        assertThat(ours.get("formattedMessage").getAsString()).isEqualTo("a line of ours");
    }

    @Test
    void textFormatAndLevelApplyToJulToo() {
        String err = capture(() -> {
            Logs.configure(Logs.Format.TEXT, "WARN");
            Logger.getLogger("io.grpc.internal.SomeGrpcClass").warning("kept");
            Logger.getLogger("dev.spartan.Example").info("dropped: below WARN");
            LoggerFactory.getLogger("dev.spartan.Example").info("dropped too");
        });
        assertThat(err.lines().toList())
                .singleElement()
                .asString()
                .matches(
                        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) WARN  i\\.g\\.i\\.SomeGrpcClass -"
                                + " kept");
    }

    @Test
    void grpcAndNettyFollowTheLevel() {
        Logger netty = Logger.getLogger("io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameLogger");
        String info = capture(() -> {
            Logs.configure(Logs.Format.TEXT, "INFO");
            netty.info("netty at INFO");
            Logger.getLogger("io.grpc.internal.ServerImpl").info("grpc at INFO");
            netty.fine("netty at DEBUG: dropped");
        });
        assertThat(info).contains("netty at INFO", "grpc at INFO").doesNotContain("dropped");
        String debug = capture(() -> {
            Logs.configure(Logs.Format.TEXT, "DEBUG");
            netty.fine("netty at DEBUG");
            Logger.getLogger("io.grpc.internal.ServerImpl").fine("grpc at DEBUG");
        });
        assertThat(debug).contains("DEBUG i.g.n.s.i.n.h.c.h.Http2FrameLogger - netty at DEBUG", "grpc at DEBUG");
    }

    @Test
    void aLogFileRollsOverAtItsSizeAndKeepsTheOldOneGzipped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("logs/spartan.log");
        Logs.configure(Logs.Format.TEXT, "INFO", new Logs.LogFile(file, "2KB", 3));
        org.slf4j.Logger log = LoggerFactory.getLogger("dev.spartan.Example");
        String filler = "x".repeat(200);
        // Logback looks at the size at most once a second: keep writing until it has rolled over.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    log.info("a line to fill the file {}", filler);
                    try (Stream<Path> files = Files.list(file.getParent())) {
                        return files.anyMatch(f ->
                                f.getFileName().toString().matches("spartan\\.log\\.\\d{4}-\\d\\d-\\d\\d\\.0\\.gz"));
                    }
                });
        log.info("after the rollover");
        Logs.configure(Logs.Format.TEXT, null); // closes the file
        assertThat(Files.readString(file)).contains("after the rollover");
        Path rolled;
        try (Stream<Path> files = Files.list(file.getParent())) {
            rolled = files.filter(f -> f.toString().endsWith(".0.gz"))
                    .findFirst()
                    .orElseThrow();
        }
        try (var gz = new java.util.zip.GZIPInputStream(Files.newInputStream(rolled))) {
            assertThat(new String(gz.readAllBytes(), StandardCharsets.UTF_8)).contains("a line to fill the file");
        }
    }

    @Test
    void aLogFileThatCannotBeWrittenIsOneLine(@TempDir Path dir) throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-dir"), "");
        assertThatThrownBy(() -> Logs.configure(
                        Logs.Format.TEXT, "INFO", new Logs.LogFile(blocker.resolve("spartan.log"), "100MB", 14)))
                .hasMessageStartingWith("--log-file " + blocker.resolve("spartan.log") + ": cannot write there (");
        assertThatThrownBy(() -> new Logs.LogFile(blocker, "lots", 14))
                .hasMessage("--log-max-size lots is not a size: expected e.g. 100MB, 512KB or 1GB");
    }
}
