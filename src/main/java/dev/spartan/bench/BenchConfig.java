package dev.spartan.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The config.yaml every bench server runs with: the given users and groups, and the rate limit, the login limit and
 * the connection cap out of the way (every bench client comes from 127.0.0.1).
 */
final class BenchConfig {
    private BenchConfig() {}

    /**
     * @param users  comma-separated user names
     * @param groups YAML lines of the {@code groups:} map ({@code " g0: [a,b]\n"}), or empty for none
     */
    static Path write(Path file, CharSequence users, CharSequence groups) throws IOException {
        Files.writeString(
                file,
                "port: 3000\nmax_num_messages_per_user: 5\nmax_call_per_30_seconds_per_user: 3\n"
                        + "rate_limit:\n  max_calls: 100000000\n  window_seconds: 1\n"
                        + "login_attempts_per_minute: 1000000\nmax_connections_per_address: 100000\n"
                        + "users: [" + users + "]\n" + (groups.length() > 0 ? "groups:\n" + groups : ""));
        return file;
    }
}
