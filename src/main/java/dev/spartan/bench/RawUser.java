package dev.spartan.bench;

import dev.spartan.client.Login;
import dev.spartan.crypto.Identity;
import io.grpc.Channel;
import io.grpc.stub.AbstractStub;

/** A login over a shared channel, for benches that need thousands of users and no terminal. */
final class RawUser {
    private RawUser() {}

    /** Logs {@code user} in with a fresh identity and returns {@code stub} carrying the session token. */
    static <S extends AbstractStub<S>> S login(Channel channel, String user, S stub) {
        String token = Login.perform(channel, user, Identity.generate()).getSessionToken();
        return stub.withInterceptors(Login.bearer(token));
    }
}
