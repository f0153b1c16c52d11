package dev.spartan.server;

import dev.spartan.auth.SessionTokens;
import dev.spartan.chat.Directory;
import dev.spartan.delivery.DeliveryHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties sessions to streams: when a session ends, its user's stream on this node ends at once with a status that
 * says why; a login here ends that user's sessions on every other node, and the operator's reset also makes them
 * forget the keys they cached.
 */
final class Sessions {
    private static final Logger log = LoggerFactory.getLogger(Sessions.class);

    private Sessions() {}

    static void connect(SessionTokens tokens, DeliveryHub hub, Directory directory) {
        tokens.onEnd(new SessionTokens.Listener() {
            @Override
            public void ended(String user, SessionTokens.End reason) {
                if (reason == SessionTokens.End.REPLACED) {
                    log.info("session replaced: {} signed in again; the older session is closed", user);
                }
                hub.endHere(user, StatusMapping.ofSessionEnd(user, reason));
            }

            @Override
            public void issued(String user) {
                hub.endSessionsElsewhere(user, SessionTokens.End.REPLACED.name());
            }
        });
        hub.onSessionsEndedElsewhere((user, reason) -> {
            SessionTokens.End end = reason.equals(SessionTokens.End.RESET.name())
                    ? SessionTokens.End.RESET
                    : reason.equals(SessionTokens.End.UNLINKED.name())
                            ? SessionTokens.End.UNLINKED
                            : SessionTokens.End.REPLACED;
            if (end == SessionTokens.End.RESET) {
                directory.keys().forget(user);
            }
            tokens.revoke(user, end);
        });
    }

    /** An unlinked device's session and stream end here and, through the bus, on every other node. */
    static void unlinked(SessionTokens tokens, DeliveryHub hub, String address) {
        tokens.revoke(address, SessionTokens.End.UNLINKED);
        hub.endHere(address, StatusMapping.ofSessionEnd(address, SessionTokens.End.UNLINKED));
        hub.endSessionsElsewhere(address, SessionTokens.End.UNLINKED.name());
        log.info("device {} was unlinked; its sessions are closed", address);
    }
}
