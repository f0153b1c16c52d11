package dev.spartan.chat;

import dev.spartan.proto.MismatchedDevices;
import java.util.Objects;
import java.util.Optional;

/**
 * A rule said no. The words are for the person at the client, so they say what to do next; the gRPC edge maps the
 * kind to a status, so the rules never name a transport.
 */
public final class Refusal extends RuntimeException {
    /** Why a call was refused; each kind maps to exactly one gRPC status. */
    public enum Kind {
        /** The request itself is malformed or out of bounds. */
        INVALID,
        /** A named user, group or chat does not exist. */
        NOT_FOUND,
        /** A name to be given to something new is taken. */
        EXISTS,
        /** The caller may not do this. */
        DENIED,
        /** The state of the conversation does not allow it yet, or any more. */
        PRECONDITION,
        /** A race with a concurrent change was lost; the same call may succeed if made again. */
        CONFLICT,
        /** The caller's identity could not be established. */
        UNAUTHENTICATED,
        /** A limit is reached: one user's (what they may make the server hold) or the server's own. */
        EXHAUSTED
    }

    private final Kind kind;
    private final boolean counted;
    private final transient MismatchedDevices mismatched;

    public Refusal(Kind kind, String words) {
        this(kind, words, true, null);
    }

    private Refusal(Kind kind, String words, boolean counted, MismatchedDevices mismatched) {
        super(Objects.requireNonNull(words, "words"), null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.counted = counted;
        this.mismatched = mismatched;
    }

    /**
     * A send whose device set is stale (PROTOCOL.md, "Devices"): the client encrypts for the devices as they are now
     * and sends again. Not counted, like any refusal that asks for the call again in another form.
     */
    public static Refusal mismatchedDevices(MismatchedDevices mismatched, String words) {
        return new Refusal(Kind.PRECONDITION, words, false, Objects.requireNonNull(mismatched, "mismatched"));
    }

    /** The current device set a stale send is refused with, if this is such a refusal. */
    public Optional<MismatchedDevices> mismatched() {
        return Optional.ofNullable(mismatched);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * False for a refusal that is part of the protocol's own recovery, where the caller did nothing wrong (a group
     * changed under a send: encrypt again): such a call does not count against the caller's rate limit.
     */
    public boolean counted() {
        return counted;
    }

    /** A refusal that asks the client to do the call again in another form; not counted against its limits. */
    public static Refusal retryAs(Kind kind, String words) {
        return new Refusal(kind, words, false, null);
    }

    public static Refusal invalid(String words) {
        return new Refusal(Kind.INVALID, words);
    }

    public static Refusal notFound(String words) {
        return new Refusal(Kind.NOT_FOUND, words);
    }

    public static Refusal exists(String words) {
        return new Refusal(Kind.EXISTS, words);
    }

    public static Refusal denied(String words) {
        return new Refusal(Kind.DENIED, words);
    }

    public static Refusal precondition(String words) {
        return new Refusal(Kind.PRECONDITION, words);
    }

    public static Refusal conflict(String words) {
        return new Refusal(Kind.CONFLICT, words);
    }

    public static Refusal exhausted(String words) {
        return new Refusal(Kind.EXHAUSTED, words);
    }

    public static Refusal unauthenticated(String words) {
        return new Refusal(Kind.UNAUTHENTICATED, words);
    }
}
