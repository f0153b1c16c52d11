package dev.spartan.config;

/** A config file that cannot be used, with the file, the key and the reason in the message. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
