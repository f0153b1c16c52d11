package dev.spartan.cli;

import dev.spartan.config.ConfigException;
import dev.spartan.config.ConfigLoader;
import dev.spartan.config.SpartanConfig;
import dev.spartan.ops.ConfigReload;
import dev.spartan.ops.Logs;
import dev.spartan.server.SpartanServer;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP ({@code systemctl reload}, {@code kill -HUP}): config.yaml is read again, with the command line's overrides;
 * users, config groups and {@code log_level} take effect, and every other key that changed is named as needing a
 * restart. A file that does not load changes nothing and says why.
 */
final class Reloads {
    private static final Logger log = LoggerFactory.getLogger(Reloads.class);

    private final Path file;
    private final Logs.Format format;
    private final Logs.LogFile logFile;
    private final SpartanServer server;
    private final UnaryOperator<SpartanConfig> overrides;
    private SpartanConfig running;

    Reloads(
            Path file,
            SpartanConfig running,
            Logs.Format format,
            Logs.LogFile logFile,
            SpartanServer server,
            UnaryOperator<SpartanConfig> overrides) {
        this.file = file;
        this.running = running;
        this.format = format;
        this.logFile = logFile;
        this.server = server;
        this.overrides = overrides;
    }

    /**
     * From now on, SIGHUP reloads instead of stopping the JVM (its default). Through reflection, because javac warns
     * about sun.misc.Signal at every use (it is jdk.unsupported, and exported) and warnings fail the build.
     */
    void onSighup() {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object onHup = Proxy.newProxyInstance(
                    handler.getClassLoader(),
                    new Class<?>[] {handler},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            reload();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "SIGHUP: reload " + file;
                    });
            signal.getMethod("handle", signal, handler)
                    .invoke(null, signal.getConstructor(String.class).newInstance("HUP"), onHup);
        } catch (ReflectiveOperationException e) {
            log.warn(
                    "SIGHUP cannot reload the config on this JVM ({}); restart the node to apply changes",
                    e.toString());
        }
    }

    synchronized void reload() {
        SpartanConfig reloaded;
        try {
            reloaded = overrides.apply(ConfigLoader.load(file));
        } catch (ConfigException e) {
            log.warn("reload refused, nothing changed: {}", e.getMessage());
            return;
        }
        ConfigReload.Outcome outcome = ConfigReload.compare(running, reloaded);
        String level = outcome.running().operations().logLevel();
        if (level != null && !level.equals(running.operations().logLevel())) {
            Logs.configure(format, level, logFile);
        }
        server.reloadUsersAndGroups(outcome.running());
        running = outcome.running();
        log.info(
                "reload of {}: {}",
                file,
                outcome.applied().isEmpty() ? "nothing to apply" : "applied " + String.join("; ", outcome.applied()));
        if (!outcome.needRestart().isEmpty()) {
            log.warn(
                    "reload: changed in the file, but kept as they were until a restart: {}",
                    String.join(", ", outcome.needRestart()));
        }
    }
}
