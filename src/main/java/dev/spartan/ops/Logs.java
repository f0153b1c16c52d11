package dev.spartan.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Log format and level, chosen on the command line, and java.util.logging routed into the same output: grpc-java
 * and Netty log through JUL, and without the bridge their warnings come out in a second, different format.
 */
public final class Logs {
    /** How a log line looks: for people, or one JSON object per line for log shippers. */
    public enum Format {
        TEXT,
        JSON
    }

    /** Read by logback.xml. */
    static final String FORMAT_PROPERTY = "spartan.log.format";

    static final String LEVEL_PROPERTY = "spartan.log.level";

    /** Read by logback.xml: "" for stderr, "_FILE" for the rolling file. */
    static final String TARGET_PROPERTY = "spartan.log.target";

    /**
     * Where the lines go instead of stderr: {@code --log-file}, rolled over daily and at {@code maxSize} (Logback's
     * size syntax, e.g. 100MB), gzipped files kept for {@code maxDays}.
     */
    public record LogFile(java.nio.file.Path path, String maxSize, int maxDays) {
        public LogFile {
            java.util.Objects.requireNonNull(path, "path");
            try {
                ch.qos.logback.core.util.FileSize.valueOf(maxSize);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "--log-max-size " + maxSize + " is not a size: expected e.g. 100MB, 512KB or 1GB");
            }
            if (maxDays < 1) {
                throw new IllegalArgumentException("--log-max-days " + maxDays + " must be 1 or more");
            }
        }
    }
    /** The environment variable that sets the level when {@code --log-level} does not. */
    public static final String LEVEL_VARIABLE = "SPARTAN_LOG_LEVEL";

    /** The levels {@code --log-level} and {@code SPARTAN_LOG_LEVEL} accept. */
    public static final java.util.List<String> LEVELS = java.util.List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    private Logs() {}

    /**
     * The level to use: {@code --log-level} if given, else {@code SPARTAN_LOG_LEVEL}, else null (INFO).
     *
     * @throws IllegalArgumentException naming the variable, if it holds no level (Logback would quietly read an
     *     unknown level as DEBUG, at which gRPC and Netty log every frame)
     */
    public static String chooseLevel(String flag) {
        if (flag != null) {
            return flag;
        }
        String variable = System.getenv(LEVEL_VARIABLE);
        if (variable == null || variable.isBlank()) {
            return null;
        }
        String level = variable.trim().toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw new IllegalArgumentException(LEVEL_VARIABLE + "=" + variable + " is not a log level: expected one of "
                    + String.join(", ", LEVELS));
        }
        return level;
    }

    /** Logback would fail on a file it cannot write in silence, and log nothing: say so before. */
    private static void requireWritable(java.nio.file.Path path) {
        try {
            java.nio.file.Path parent = path.toAbsolutePath().getParent();
            java.nio.file.Files.createDirectories(parent);
            java.nio.file.Files.newByteChannel(
                            path, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)
                    .close();
        } catch (java.io.IOException | SecurityException e) {
            throw new IllegalArgumentException("--log-file " + path + ": cannot write there ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /** Routes java.util.logging into SLF4J. Idempotent. */
    public static void bridgeJul() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    /**
     * Reloads logback.xml with this format and level.
     *
     * @param level one of {@link #LEVELS}, or null for what was set before, else INFO
     */
    public static void configure(Format format, String level) {
        configure(format, level, null);
    }

    /**
     * Reloads logback.xml with this format, level and target.
     *
     * @param file the rolling log file, or null for stderr
     */
    public static void configure(Format format, String level, LogFile file) {
        System.setProperty(FORMAT_PROPERTY, format.name());
        if (file == null) {
            System.clearProperty(TARGET_PROPERTY);
        } else {
            requireWritable(file.path());
            System.setProperty(TARGET_PROPERTY, "_FILE");
            System.setProperty("spartan.log.file", file.path().toAbsolutePath().toString());
            System.setProperty("spartan.log.max.size", file.maxSize());
            System.setProperty("spartan.log.max.days", String.valueOf(file.maxDays()));
        }
        if (level != null) {
            System.setProperty(LEVEL_PROPERTY, level);
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            throw new IllegalStateException("logback.xml is broken", e);
        }
        bridgeJul();
    }
}
