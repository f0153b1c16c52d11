package dev.spartan.auth;

import dev.spartan.contract.Addresses;
import dev.spartan.contract.Headers;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** Puts the user of a valid bearer token into the call's context; refuses the call otherwise. */
public final class AuthInterceptor implements ServerInterceptor {

    /** Why a call with a token that no longer works is refused. */
    public static final String ENDED = "session token is expired, revoked or unknown: log in again";

    /** Why a live token is refused on a connection other than the one its login was made on. */
    public static final String OTHER_CONNECTION = "this session token was issued on another connection, and a token"
            + " works only on the connection its login was made on: log in again on this connection";

    private final SessionTokens tokens;
    private final Set<String> open;

    /** Every call needs a token. */
    public AuthInterceptor(SessionTokens tokens) {
        this(tokens, Set.of());
    }

    /** @param open full method names that need no token (the login itself) */
    public AuthInterceptor(SessionTokens tokens, Set<String> open) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.open = Set.copyOf(open);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (open.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        String header = headers.get(Headers.AUTHORIZATION);
        Optional<SessionTokens.Session> session = header != null && header.startsWith(Headers.BEARER)
                ? tokens.session(header.substring(Headers.BEARER.length()))
                : Optional.empty();
        if (session.isEmpty()) {
            call.close(
                    Status.UNAUTHENTICATED.withDescription(
                            header == null
                                    ? "not logged in: call Auth/Login first and send its token as 'authorization: Bearer <token>'"
                                    : ENDED),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        String bound = session.get().connection();
        if (bound != null && !bound.equals(Caller.connectionOf(call))) {
            call.close(Status.UNAUTHENTICATED.withDescription(OTHER_CONNECTION), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        String token = header.substring(Headers.BEARER.length());
        return Contexts.interceptCall(
                Context.current()
                        // a session is a device's; the rules speak of its user (PROTOCOL.md, "Devices")
                        .withValue(
                                Principal.USER, Addresses.userOf(session.get().user()))
                        .withValue(Principal.ADDRESS, session.get().user())
                        .withValue(Principal.SESSION, session.get())
                        .withValue(Principal.LIVE, () -> tokens.session(token).isPresent()),
                call,
                headers,
                next);
    }
}
