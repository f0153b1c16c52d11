package dev.spartan.store;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Objects;

/**
 * A group made at run time, as the store keeps it.
 *
 * @param generation unique per creation of a group with this name, so a name re-created after everyone left names a
 *                   new conversation
 * @param chain      the signed membership statements that led to {@code members}, oldest first; empty for a group
 *                   made before signed membership
 */
public record RuntimeGroup(String name, List<String> members, long generation, List<Signed> chain) {
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
    }

    public RuntimeGroup(String name, List<String> members, long generation) {
        this(name, members, generation, List.of());
    }
}
