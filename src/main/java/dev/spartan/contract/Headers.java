package dev.spartan.contract;

import io.grpc.Metadata;

/** Call metadata both sides agree on. */
public final class Headers {
    private Headers() {}

    /** Carries {@code "Bearer " + token} on every call of the Spartan service. */
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    public static final String BEARER = "Bearer ";
}
