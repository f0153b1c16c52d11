package dev.spartan.contract;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.proto.MembershipStatement;
import dev.spartan.proto.SignedStatement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;

/**
 * Signed group membership (PROTOCOL.md, "Signed membership"): every change of a run-time group is a statement signed
 * by the identity key of the member who made it and chained to the statement before it, so neither the server nor
 * anyone between it and a client can add a reader. The server checks each statement before it stores it; each
 * client checks the whole chain before it encrypts for the members.
 */
public final class Membership {
    /** Prefixed to a statement before signing, so that its signature cannot pass for a login or prekey signature. */
    public static final String LABEL = "spartan/membership/v1";

    /**
     * The largest statement accepted: room for the most members a group can have (500, the top of
     * {@code limits.members_per_group}) with 32-byte names, 34 bytes each on the wire.
     */
    public static final int MAX_STATEMENT_BYTES = 18_432;

    private static final int SIGNATURE_BYTES = 64;

    /**
     * A group's membership after a verified statement.
     *
     * @param version the statement's version (0 for a config group, which has no statements)
     * @param hash    SHA-256 of the statement's bytes, which the next statement names (empty for a config group)
     */
    public record State(String group, long version, ByteString hash, List<String> members) {
        public State {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(hash, "hash");
            members = List.copyOf(members);
        }
    }

    /** Why a statement was refused; the message is one line for the user. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean stale;

        public Refused(String message) {
            this(message, false);
        }

        private Refused(String message, boolean stale) {
            super(message);
            this.stale = stale;
        }

        /** True if the statement is not chained to the state it was checked against (made for another version). */
        public boolean stale() {
            return stale;
        }
    }

    private Membership() {}

    /** The CREATE statement of a group, made and signed by {@code actor}, who is a member with {@code others}. */
    public static SignedStatement create(IdentityKeyPair key, String group, String actor, Collection<String> others) {
        Set<String> all = new TreeSet<>(Membership::compare);
        all.addAll(others);
        all.add(actor);
        return sign(
                key,
                MembershipStatement.newBuilder()
                        .setGroup(group)
                        .setVersion(1)
                        .setKind(MembershipStatement.Kind.CREATE)
                        .setActor(actor)
                        .addAllMembers(all)
                        .build());
    }

    /** {@code actor}'s LEAVE statement, chained to {@code current}. */
    public static SignedStatement leave(IdentityKeyPair key, State current, String actor) {
        List<String> rest = new ArrayList<>(current.members());
        rest.remove(actor);
        return sign(
                key,
                MembershipStatement.newBuilder()
                        .setGroup(current.group())
                        .setVersion(current.version() + 1)
                        .setPreviousHash(current.hash())
                        .setKind(MembershipStatement.Kind.LEAVE)
                        .setActor(actor)
                        .addAllMembers(rest)
                        .build());
    }

    public static SignedStatement sign(IdentityKeyPair key, MembershipStatement statement) {
        byte[] bytes = statement.toByteArray();
        return SignedStatement.newBuilder()
                .setStatement(ByteString.copyFrom(bytes))
                .setSignature(ByteString.copyFrom(key.getPrivateKey().calculateSignature(signingInput(bytes))))
                .build();
    }

    /** {@code LABEL || 0x00 || statement}: what the actor signs. */
    public static byte[] signingInput(byte[] statement) {
        byte[] label = LABEL.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(label, label.length + 1 + statement.length);
        System.arraycopy(statement, 0, out, label.length + 1, statement.length);
        return out;
    }

    public static ByteString hash(ByteString statement) {
        try {
            return ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(statement.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Parses a statement's bytes, within the size limit. */
    public static MembershipStatement parse(SignedStatement signed) throws Refused {
        if (signed.getStatement().isEmpty()) {
            throw new Refused("the statement is missing");
        }
        if (signed.getStatement().size() > MAX_STATEMENT_BYTES) {
            throw new Refused(
                    "the statement is " + signed.getStatement().size() + " bytes; the limit is " + MAX_STATEMENT_BYTES);
        }
        try {
            return MembershipStatement.parseFrom(signed.getStatement());
        } catch (InvalidProtocolBufferException e) {
            throw new Refused("the statement is not a MembershipStatement: " + e.getMessage());
        }
    }

    /**
     * Checks {@code signed} as the next statement of group {@code group} after {@code current} (null: as its first)
     * and returns the state it leads to.
     *
     * @param keys the identity key each user is known by; empty for a user without one
     * @throws Refused if it is unsigned or badly signed, not chained to {@code current}, made by a non-member, or
     *                 names members that do not follow from the change
     */
    public static State apply(
            State current, SignedStatement signed, String group, Function<String, Optional<IdentityKey>> keys)
            throws Refused {
        MembershipStatement s = parse(signed);
        if (!s.getGroup().equals(group)) {
            throw new Refused("the statement is about group '" + s.getGroup() + "', not " + group);
        }
        List<String> members = s.getMembersList();
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).isEmpty() || (i > 0 && compare(members.get(i - 1), members.get(i)) >= 0)) {
                throw new Refused("the members are not sorted names without repeats");
            }
        }
        if (current == null) {
            if (s.getKind() != MembershipStatement.Kind.CREATE
                    || s.getVersion() != 1
                    || !s.getPreviousHash().isEmpty()) {
                throw new Refused("the first statement is not a CREATE of version 1");
            }
            if (!members.contains(s.getActor()) || members.size() < 2) {
                throw new Refused("the creator " + s.getActor() + " is not a member, or is the only one");
            }
        } else {
            if (s.getVersion() != current.version() + 1 || !s.getPreviousHash().equals(current.hash())) {
                throw new Refused(
                        "version " + s.getVersion() + " does not follow version " + current.version()
                                + " (badly chained)",
                        true);
            }
            if (s.getKind() != MembershipStatement.Kind.LEAVE) {
                throw new Refused("only a LEAVE can follow the first statement");
            }
            if (!current.members().contains(s.getActor())) {
                throw new Refused(s.getActor() + " is not a member");
            }
            List<String> rest = new ArrayList<>(current.members());
            rest.remove(s.getActor());
            if (!rest.equals(members)) {
                throw new Refused(
                        "the members after " + s.getActor() + " left are not the members before less " + s.getActor());
            }
        }
        IdentityKey key = keys.apply(s.getActor())
                .orElseThrow(() -> new Refused("there is no identity key of " + s.getActor() + " to check it"));
        if (signed.getSignature().size() != SIGNATURE_BYTES
                || !key.getPublicKey()
                        .verifySignature(
                                signingInput(signed.getStatement().toByteArray()),
                                signed.getSignature().toByteArray())) {
            throw new Refused("it is not signed by " + s.getActor());
        }
        return new State(group, s.getVersion(), hash(signed.getStatement()), members);
    }

    /** Checks a whole chain from its first statement; returns the last state. */
    public static State verify(List<SignedStatement> chain, String group, Function<String, Optional<IdentityKey>> keys)
            throws Refused {
        State state = null;
        for (SignedStatement s : chain) {
            state = apply(state, s, group, keys);
        }
        if (state == null) {
            throw new Refused("group " + group + " has no signed statements");
        }
        return state;
    }

    /** Names sort by their UTF-8 bytes, unsigned, so every language sorts them alike. */
    public static int compare(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
