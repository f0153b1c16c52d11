package dev.spartan.client;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How one client connects and where it keeps its keys.
 *
 * @param servers  host:port targets tried in turn when (re)connecting
 * @param keysDir  where this user's identity and the pins of peers' keys live
 */
public record ClientOptions(String user, List<String> servers, Path keysDir) {
    public ClientOptions {
        Objects.requireNonNull(user, "user");
        servers = List.copyOf(servers);
        Objects.requireNonNull(keysDir, "keysDir");
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("at least one server is needed");
        }
    }

    public static Path defaultKeysDir(String user) {
        return Path.of(System.getProperty("user.home"), ".spartan", user);
    }
}
