package dev.spartan.client;

import dev.spartan.tls.ClientTls;
import dev.spartan.tls.KnownServers;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How one client connects and where it keeps its keys.
 *
 * @param servers  host:port targets tried in turn when (re)connecting
 * @param keysDir  where this user's identity and the pins of peers' keys live
 * @param tls      how connections are secured: by default TLS with the server pinned in {@link #knownServers}
 * @param invite   the operator's enrollment code for a first login, or empty
 * @param clock    the time of queued messages and shown lines (the command that starts the client makes it)
 * @param configGroups the groups of the config.yaml the client found, by name: the anchor of config groups' members
 *                 (PROTOCOL.md, "Signed membership"); empty without one
 */
public record ClientOptions(
        String user,
        List<String> servers,
        Path keysDir,
        ClientTls tls,
        String invite,
        Clock clock,
        Map<String, List<String>> configGroups) {
    public ClientOptions {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(clock, "clock");
        servers = List.copyOf(servers);
        Objects.requireNonNull(keysDir, "keysDir");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(invite, "invite");
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("at least one server is needed");
        }
        configGroups = Map.copyOf(configGroups);
    }

    /** Without a config.yaml: config groups are pinned on first sight. */
    public ClientOptions(String user, List<String> servers, Path keysDir, ClientTls tls, String invite, Clock clock) {
        this(user, servers, keysDir, tls, invite, clock, Map.of());
    }

    /** TLS with pinning in the known_servers file next to {@code keysDir}, no enrollment code. */
    public ClientOptions(String user, List<String> servers, Path keysDir, Clock clock) {
        this(user, servers, keysDir, ClientTls.pinning(knownServers(keysDir)), "", clock);
    }

    public static Path defaultKeysDir(String user) {
        return Path.of(System.getProperty("user.home"), ".spartan", user);
    }

    /**
     * The pins of servers live beside the users' key directories: {@code ~/.spartan/known_servers} for the default
     * {@code ~/.spartan/NAME}, and inside the parent of a {@code --keys} directory, so a test's temp dir holds both.
     */
    public static Path knownServers(Path keysDir) {
        Path parent = keysDir.toAbsolutePath().getParent();
        return (parent != null ? parent : keysDir.toAbsolutePath()).resolve(KnownServers.FILE_NAME);
    }
}
