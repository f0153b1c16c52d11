package dev.spartan.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;

/** A server's refusal in the words every front end shows it in. */
public final class Refusals {
    private Refusals() {}

    /** A refused call: the server's own words, or what to do while the connection is down. */
    public static String describe(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
            return "Not connected to the server right now; try again once the client says Reconnected.";
        }
        String d = e.getStatus().getDescription();
        return d != null ? d : code.name();
    }

    /** A failed first connect: no server, or a login the server refused. */
    public static String connectFailure(StatusRuntimeException e, List<String> servers) {
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
            return "Cannot reach Spartan Server at " + String.join(",", servers) + ". Is it running?";
        }
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
            // gRPC's own text here is a dump of its connection state, not words for a person
            return "Spartan Server at " + String.join(",", servers) + " did not answer the login in time (it or this"
                    + " machine is overloaded, or the network is slow); try again.";
        }
        return "Login refused: " + e.getStatus().getDescription();
    }
}
