package dev.spartan.auth;

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

/** Puts the user of a valid bearer token into the call's context; refuses the call otherwise. */
public final class AuthInterceptor implements ServerInterceptor {

    private final SessionTokens tokens;

    public AuthInterceptor(SessionTokens tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String header = headers.get(Headers.AUTHORIZATION);
        Optional<String> user = header != null && header.startsWith(Headers.BEARER)
                ? tokens.userOf(header.substring(Headers.BEARER.length()))
                : Optional.empty();
        if (user.isEmpty()) {
            call.close(
                    Status.UNAUTHENTICATED.withDescription(
                            header == null
                                    ? "not logged in: call Auth/Login first and send its token as 'authorization: Bearer <token>'"
                                    : "session token is unknown or was replaced by a newer login: log in again"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(Principal.USER, user.get()), call, headers, next);
    }
}
