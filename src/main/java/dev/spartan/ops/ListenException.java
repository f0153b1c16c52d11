package dev.spartan.ops;

import java.io.IOException;
import java.net.BindException;

/** A port the node needs could not be opened; the message is the one line an operator reads. */
public final class ListenException extends IOException {
    private ListenException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Turns a failure to listen into one line naming the address and the likely cause.
     *
     * @param what    what listens there, e.g. "port" or "metrics port"
     * @param bind    the address, or null for every interface
     */
    public static ListenException of(String what, String bind, int port, Throwable cause) {
        String reason = reason(cause);
        if (reason.toLowerCase(java.util.Locale.ROOT).contains("already in use")) {
            return new ListenException(
                    what + " " + port + (bind == null ? "" : " on " + bind)
                            + " is already in use (is another node or program listening there?)",
                    cause);
        }
        return new ListenException(
                "cannot listen on " + (bind == null ? "every interface" : bind) + ", " + what + " " + port + ": "
                        + reason,
                cause);
    }

    private static String reason(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BindException && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        Throwable root = cause;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
