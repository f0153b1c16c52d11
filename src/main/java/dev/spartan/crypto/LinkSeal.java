package dev.spartan.crypto;

import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * Encrypts what a signed-in device hands a new one (the link bundle) to the new device's key, so the server that
 * relays it reads nothing. libsignal's HPKE (RFC 9180, base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-256-GCM): {@code 0x01 || enc (32) || ciphertext || tag (16)}, with info {@code "spartan/link/v1/bundle"} and the
 * link's slot as associated data, so a bundle cannot be replayed into another link.
 */
public final class LinkSeal {
    static final String INFO = LinkCode.LABEL + "/bundle";

    private LinkSeal() {}

    public static byte[] seal(ECPublicKey deviceKey, byte[] slot, byte[] bundle) {
        return deviceKey.seal(bundle, INFO, slot);
    }

    /**
     * The bundle, if it was sealed to this key for this slot and not changed since.
     *
     * @throws InvalidMessageException otherwise
     */
    public static byte[] open(ECPrivateKey deviceKey, byte[] slot, byte[] sealed) throws InvalidMessageException {
        try {
            return deviceKey.open(sealed, INFO, slot);
        } catch (IllegalArgumentException e) {
            throw new InvalidMessageException("the link bundle is malformed: " + e.getMessage());
        }
    }
}
