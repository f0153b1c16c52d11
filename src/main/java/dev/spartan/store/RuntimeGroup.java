package dev.spartan.store;

import java.util.List;
import java.util.Objects;

/**
 * A group made at run time, as the store keeps it.
 *
 * @param generation unique per creation of a group with this name, so a name re-created after everyone left names a
 *                   new conversation
 */
public record RuntimeGroup(String name, List<String> members, long generation) {
    public RuntimeGroup {
        Objects.requireNonNull(name, "name");
        members = List.copyOf(members);
    }
}
