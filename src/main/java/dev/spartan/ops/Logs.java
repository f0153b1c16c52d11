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
    /** The environment variable that sets the level when {@code --log-level} does not. */
    public static final String LEVEL_VARIABLE = "SPARTAN_LOG_LEVEL";

    private Logs() {}

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
     * @param level {@code --log-level}, or null: then {@code SPARTAN_LOG_LEVEL}, else what was set before, else INFO
     */
    public static void configure(Format format, String level) {
        System.setProperty(FORMAT_PROPERTY, format.name());
        String chosen = level != null ? level : System.getenv(LEVEL_VARIABLE);
        if (chosen != null && !chosen.isBlank()) {
            System.setProperty(LEVEL_PROPERTY, chosen.trim().toUpperCase(Locale.ROOT));
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
