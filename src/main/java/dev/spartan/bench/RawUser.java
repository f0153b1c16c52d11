package dev.spartan.bench;

import dev.spartan.client.Login;
import dev.spartan.crypto.Identity;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;

/**
 * A user logged in over a shared channel, for benches that need thousands of users and no terminal: its calls carry
 * the session token, and its messages are opaque bytes (the server never reads them anyway).
 */
record RawUser(String name, SpartanGrpc.SpartanBlockingStub calls, SpartanGrpc.SpartanStub streams) {

    /** Logs {@code user} in with a fresh identity. */
    static RawUser login(Channel channel, String user) {
        String token = Login.perform(channel, user, Identity.generate()).getSessionToken();
        ClientInterceptor bearer = Login.bearer(token);
        return new RawUser(user, SpartanGrpc.newBlockingStub(channel).withInterceptors(bearer),
                SpartanGrpc.newStub(channel).withInterceptors(bearer));
    }
}
