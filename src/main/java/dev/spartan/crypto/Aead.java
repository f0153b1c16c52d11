package dev.spartan.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a constant all-zero nonce. Callers must use every key for exactly one encryption: that is
 * what makes the fixed nonce safe, and it saves 12 bytes per message and per reader.
 */
final class Aead {
    static final int KEY_LEN = 32;
    static final int TAG_LEN = 16;
    private static final int NONCE_LEN = 12;

    private Aead() {}

    static byte[] seal(byte[] key, byte[] plaintext, byte[] aad) {
        try {
            return cipher(Cipher.ENCRYPT_MODE, key, aad).doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    static byte[] open(byte[] key, byte[] ciphertext, byte[] aad) throws AEADBadTagException {
        try {
            return cipher(Cipher.DECRYPT_MODE, key, aad).doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] aad) throws GeneralSecurityException {
        if (key.length != KEY_LEN) {
            throw new IllegalArgumentException("AES-256 key must be " + KEY_LEN + " bytes");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LEN * 8, new byte[NONCE_LEN]));
        cipher.updateAAD(aad);
        return cipher;
    }
}
