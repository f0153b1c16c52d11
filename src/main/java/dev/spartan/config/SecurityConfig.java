package dev.spartan.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Who may enroll, how long sessions and enrollment codes live, the operator's admin port, and the limits on
 * connections and logins that a client can make the server hold. All keys are optional; defaults in {@link #DEFAULTS}.
 *
 * @param enrollment             {@code enrollment}: who may make a user's first login
 * @param enrollmentNetworks     {@code enrollment_networks}: where {@code loopback} enrollment needs no code
 * @param inviteTtl              {@code invite_ttl_seconds}: how long an enrollment code stays valid
 * @param sessionTtl             {@code session_ttl_seconds}: how long a session token stays valid
 * @param adminPort              {@code admin_port}: the admin service's port on 127.0.0.1; 0 picks a free one
 * @param maxConnectionsPerAddress {@code max_connections_per_address}: open connections from one IP address
 * @param idleConnection         {@code idle_connection_seconds}: a connection with no call in progress is closed
 * @param handshakeTimeout       {@code handshake_timeout_seconds}: time to finish the TLS and HTTP/2 handshakes
 * @param minClientKeepAlive     {@code min_client_keepalive_seconds}: pings more often than this end the connection
 * @param maxOpenChallenges      {@code max_open_challenges}: login challenges waiting for an answer, node-wide
 * @param loginsPerMinute        {@code login_attempts_per_minute}: challenges one IP address may ask for a minute
 * @param loginsPerUserPerMinute {@code login_attempts_per_user_per_minute}: challenges for one user from one address
 * @param maxHandshakesPerAddress {@code max_handshakes_per_address}: connections from one address still in handshake
 * @param bindSessions           {@code session_binding}: {@code connection} (true) binds a session token to the
 *                               connection its login was made on; {@code none} (false) lets it work on any
 */
public record SecurityConfig(
        Enrollment enrollment,
        List<AddressRange> enrollmentNetworks,
        Duration inviteTtl,
        Duration sessionTtl,
        int adminPort,
        int maxConnectionsPerAddress,
        Duration idleConnection,
        Duration handshakeTimeout,
        Duration minClientKeepAlive,
        int maxOpenChallenges,
        int loginsPerMinute,
        int loginsPerUserPerMinute,
        int maxHandshakesPerAddress,
        boolean bindSessions) {

    /** Who may make a user's first login, the one that pins their keys. */
    public enum Enrollment {
        /** Without a code only from {@code enrollment_networks} (the loopback range); elsewhere with a code. */
        LOOPBACK,
        /** Always with a code from {@code ./spartan admin invite}. */
        INVITE,
        /** Anyone who reaches the port: whoever logs in first owns the name. */
        OPEN
    }

    public static final SecurityConfig DEFAULTS = new SecurityConfig(
            Enrollment.LOOPBACK,
            List.of(AddressRange.parse("127.0.0.0/8"), AddressRange.parse("::1/128")),
            Duration.ofHours(24),
            Duration.ofHours(12),
            0,
            64,
            Duration.ofMinutes(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(20),
            10_000,
            60,
            20,
            16,
            true);

    public SecurityConfig {
        Objects.requireNonNull(enrollment, "enrollment");
        enrollmentNetworks = List.copyOf(enrollmentNetworks);
        Objects.requireNonNull(inviteTtl, "inviteTtl");
        Objects.requireNonNull(sessionTtl, "sessionTtl");
        Objects.requireNonNull(idleConnection, "idleConnection");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(minClientKeepAlive, "minClientKeepAlive");
    }

    public SecurityConfig withEnrollment(Enrollment newEnrollment) {
        return new SecurityConfig(
                newEnrollment,
                enrollmentNetworks,
                inviteTtl,
                sessionTtl,
                adminPort,
                maxConnectionsPerAddress,
                idleConnection,
                handshakeTimeout,
                minClientKeepAlive,
                maxOpenChallenges,
                loginsPerMinute,
                loginsPerUserPerMinute,
                maxHandshakesPerAddress,
                bindSessions);
    }

    public SecurityConfig withMaxOpenChallenges(int newMax) {
        return new SecurityConfig(
                enrollment,
                enrollmentNetworks,
                inviteTtl,
                sessionTtl,
                adminPort,
                maxConnectionsPerAddress,
                idleConnection,
                handshakeTimeout,
                minClientKeepAlive,
                newMax,
                loginsPerMinute,
                loginsPerUserPerMinute,
                maxHandshakesPerAddress,
                bindSessions);
    }
}
