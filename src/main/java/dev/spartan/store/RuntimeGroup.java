package dev.spartan.store;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A group made at run time, as the store keeps it.
 *
 * @param generation unique per creation of a group with this name, so a name re-created after everyone left names a
 *                   new conversation
 * @param chain      the signed membership statements that led to {@code members}, oldest first; empty for a group
 *                   made before signed membership
 * @param invited    the members who have not joined yet, each with the wall-clock millisecond their invitation
 *                   expires; a subset of {@code members}
 */
public record RuntimeGroup(
        String name, List<String> members, long generation, List<Signed> chain, Map<String, Long> invited) {
    /** One membership statement as its actor signed it (the API's SignedStatement). */
    public record Signed(ByteString statement, ByteString signature) {
        public Signed {
            Objects.requireNonNull(statement, "statement");
            Objects.requireNonNull(signature, "signature");
        }
    }

    public RuntimeGroup {
        Objects.requireNonNull(name, "name");
        members = List.copyOf(members);
        chain = List.copyOf(chain);
        invited = java.util.Collections.unmodifiableMap(new TreeMap<>(invited));
    }

    public RuntimeGroup(String name, List<String> members, long generation, List<Signed> chain) {
        this(name, members, generation, chain, Map.of());
    }

    public RuntimeGroup(String name, List<String> members, long generation) {
        this(name, members, generation, List.of());
    }

    /** Whether {@code user} is a member who has joined (not only invited). */
    public boolean joined(String user) {
        return members.contains(user) && !invited.containsKey(user);
    }
}
