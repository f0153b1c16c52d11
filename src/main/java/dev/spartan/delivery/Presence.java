package dev.spartan.delivery;

import java.util.Set;

/** Who is online. On one node that is the open streams; in a cluster it is shared through Redis. */
public interface Presence {
    void online(String user);

    void offline(String user);

    Set<String> online();

    /** The single-node presence: whoever has a stream open on this node. */
    static Presence local(DeliveryHub hub) {
        return new Presence() {
            @Override
            public void online(String user) {}

            @Override
            public void offline(String user) {}

            @Override
            public Set<String> online() {
                return hub.onlineHere();
            }
        };
    }
}
