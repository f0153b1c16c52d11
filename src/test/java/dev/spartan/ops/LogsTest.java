package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  i\\.g\\.i\\.SomeGrpcClass - kept");
    }
}
