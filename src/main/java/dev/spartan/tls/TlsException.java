package dev.spartan.tls;

/** A certificate or key file that cannot be used; the message is one line for the operator. */
public final class TlsException extends RuntimeException {
    public TlsException(String message) {
        super(message);
    }
}
