package dev.spartan.auth;

import io.grpc.Context;

/** The authenticated user of the current gRPC call. Set only by the auth interceptor, after a verified login. */
public final class Principal {
    public static final Context.Key<String> USER = Context.key("spartan-user");

    private Principal() {}

    /** The caller, or {@code null} outside an authenticated call. */
    public static String current() {
        return USER.get();
    }
}
