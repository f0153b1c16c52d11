package dev.spartan.crypto;

import java.util.Arrays;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * Encrypts what a signed-in device hands a new one (the link bundle) to the new device's key, so the server that
 * relays it reads nothing. libsignal's HPKE (RFC 9180, base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-256-GCM): {@code 0x01 || enc (32) || ciphertext || tag (16)}, with info {@code "spartan/link/v1/bundle"} and
 * associated data {@code slot || secret} from the link code. Anyone may seal to a public key; the secret, which only
 * the two devices hold, is what makes a bundle of the server's own making fail to open, and the slot keeps a bundle
 * from being replayed into another link.
 */
public final class LinkSeal {
    static final String INFO = LinkCode.LABEL + "/bundle";

    private LinkSeal() {}

    public static byte[] seal(ECPublicKey deviceKey, LinkCode code, byte[] bundle) {
        return deviceKey.seal(bundle, INFO, associatedData(code));
    }

    /**
     * The bundle, if it was sealed to this key with this code and not changed since.
     *
     * @throws InvalidMessageException otherwise
     */
    public static byte[] open(ECPrivateKey deviceKey, LinkCode code, byte[] sealed) throws InvalidMessageException {
        try {
            return deviceKey.open(sealed, INFO, associatedData(code));
        } catch (IllegalArgumentException e) {
            throw new InvalidMessageException("the link bundle is malformed: " + e.getMessage());
        }
    }

    private static byte[] associatedData(LinkCode code) {
        byte[] slot = code.slot();
        byte[] secret = code.secret();
        byte[] data = Arrays.copyOf(slot, slot.length + secret.length);
        System.arraycopy(secret, 0, data, slot.length, secret.length);
        return data;
    }
}
