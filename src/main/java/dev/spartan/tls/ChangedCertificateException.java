package dev.spartan.tls;

import java.nio.file.Path;
import java.security.cert.CertificateException;

/** The server presented another certificate than the one pinned for it: possibly someone in between. */
public final class ChangedCertificateException extends CertificateException {
    private final String target;
    private final Fingerprint pinned;
    private final Fingerprint presented;
    private final Path knownServers;
    private final String badStatement; // null: the certificate carries none

    ChangedCertificateException(
            String target, Fingerprint pinned, Fingerprint presented, Path knownServers, String badStatement) {
        super("the certificate of " + target + " has changed");
        this.target = target;
        this.pinned = pinned;
        this.presented = presented;
        this.knownServers = knownServers;
        this.badStatement = badStatement;
    }

    /** One line for the user: what happened, how to check, how to re-pin. */
    public String advice() {
        String forged = badStatement == null
                ? ""
                : " Its rotation statement is not valid (" + badStatement + "), so it is refused: it may be forged.";
        return "The TLS certificate of " + target + " has changed (now SHA-256 " + presented + ", pinned "
                + pinned + ")." + forged
                + " Ask the server's operator for the fingerprint it printed at start; only if it is the"
                + " new one, delete the line '" + target + "' from " + knownServers + " and connect again.";
    }
}
