package dev.spartan.auth;

import io.grpc.Context;
import java.util.function.BooleanSupplier;

/** The authenticated user of the current gRPC call. Set only by the auth interceptor, after a verified login. */
public final class Principal {
    public static final Context.Key<String> USER = Context.key("spartan-user");

    /** The caller's device address (PROTOCOL.md, "Devices"): the user for device 1, "user#N" for device N. */
    public static final Context.Key<String> ADDRESS = Context.key("spartan-address");

    /** Whether the session of the current call is still valid (it may end while a long call runs). */
    public static final Context.Key<BooleanSupplier> LIVE = Context.key("spartan-session-live");

    /** The session (one login) of the current call, compared by identity: two calls of one login share it. */
    public static final Context.Key<Object> SESSION = Context.key("spartan-session");

    private Principal() {}

    /** The login the current call belongs to, or a fresh object outside an authenticated call. */
    public static Object session() {
        Object s = SESSION.get();
        return s != null ? s : new Object();
    }

    /** The caller, or {@code null} outside an authenticated call. */
    public static String current() {
        return USER.get();
    }

    /** The caller's device address, or {@code null} outside an authenticated call. */
    public static String address() {
        String address = ADDRESS.get();
        return address != null ? address : USER.get();
    }

    /** False once the session that authenticated the current call has ended (logout, newer login, expiry). */
    public static boolean sessionLive() {
        BooleanSupplier live = LIVE.get();
        return live == null || live.getAsBoolean();
    }
}
