package dev.spartan.testing;

import com.google.protobuf.ByteString;
import dev.spartan.contract.Membership;
import dev.spartan.proto.Group;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SignedStatement;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.signal.libsignal.protocol.IdentityKeyPair;

/** Signed membership statements for tests: one libsignal identity key per user name, made on first use. */
public final class Members {
    private final Map<String, IdentityKeyPair> keys = new ConcurrentHashMap<>();

    public IdentityKeyPair of(String user) {
        return keys.computeIfAbsent(user, u -> IdentityKeyPair.generate());
    }

    /** {@code keys} with this user's identity key added, for pinning in a store. */
    public PublicKeys withIdentity(String user, PublicKeys keys) {
        return keys.toBuilder()
                .setIdentityKey(ByteString.copyFrom(of(user).getPublicKey().serialize()))
                .build();
    }

    public SignedStatement create(String actor, String group, Collection<String> others) {
        return Membership.create(of(actor), group, actor, others);
    }

    public SignedStatement leave(String actor, Group group) {
        return leave(of(actor), actor, group);
    }

    /** {@code actor}'s LEAVE, chained to the last statement of {@code group} as the server gave it. */
    public static SignedStatement leave(IdentityKeyPair key, String actor, Group group) {
        return Membership.leave(key, state(group), actor);
    }

    /** The state a group's chain ends in, taken as it is (the caller trusts it). */
    public static Membership.State state(Group group) {
        int n = group.getChainCount();
        return new Membership.State(
                group.getName(),
                n,
                n == 0
                        ? ByteString.EMPTY
                        : Membership.hash(group.getChain(n - 1).getStatement()),
                group.getMembersList());
    }
}
