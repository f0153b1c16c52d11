package dev.spartan.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.crypto.AEADBadTagException;

/**
 * End-to-end sealing of one message for a set of readers (PROTOCOL.md, "Cryptography"): the body is encrypted once
 * under a fresh random content key, which is wrapped for each reader under a key derived from the static X25519 secret
 * of sender and reader. Both use AES-256-GCM with a zero nonce, which is safe only because no key ever encrypts twice:
 * the content key is fresh per message, and each wrapping key is bound by HKDF to the (sender, reader) pair, chat,
 * message id and a fresh random salt.
 */
public final class MessageCrypto {
    static final int SALT_LEN = 32;
    static final int WRAPPED_KEY_LEN = Aead.KEY_LEN + Aead.TAG_LEN;

    // One shared instance: SecureRandom is thread-safe and re-seeding per message buys nothing.
    private static final SecureRandom RANDOM = new SecureRandom();

    private MessageCrypto() {}

    /**
     * Seals {@code plaintext} for {@code readerAgreementKeys} (reader name -> raw X25519 key). The sender is
     * added as a reader if missing, so it can read its own history.
     */
    public static SealedMessage seal(
            Identity sender,
            String senderName,
            String chat,
            String messageId,
            byte[] plaintext,
            Map<String, byte[]> readerAgreementKeys) {
        byte[] contentKey = new byte[Aead.KEY_LEN];
        byte[] salt = new byte[SALT_LEN];
        RANDOM.nextBytes(contentKey);
        RANDOM.nextBytes(salt);
        return seal(sender, senderName, chat, messageId, plaintext, readerAgreementKeys, contentKey, salt);
    }

    /**
     * Deterministic form for protocol vectors. Never call it twice with the same {@code contentKey}: the zero
     * nonce would then be reused under one key, which breaks AES-GCM completely.
     */
    public static SealedMessage seal(
            Identity sender,
            String senderName,
            String chat,
            String messageId,
            byte[] plaintext,
            Map<String, byte[]> readerAgreementKeys,
            byte[] contentKey,
            byte[] salt) {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(readerAgreementKeys, "readerAgreementKeys");
        checkLength(contentKey, Aead.KEY_LEN, "content key");
        checkLength(salt, SALT_LEN, "salt");
        byte[] ad = associatedData(senderName, chat, messageId);

        Map<String, byte[]> readers = new TreeMap<>();
        readerAgreementKeys.forEach((name, key) -> readers.put(
                Objects.requireNonNull(name, "reader name"), KeyCodec.checkLength(key, "agreement key of " + name)));
        byte[] own = sender.publicIdentity().agreementKey();
        byte[] listed = readers.putIfAbsent(senderName, own);
        if (listed != null && !MessageDigest.isEqual(listed, own)) {
            throw new IllegalArgumentException("reader " + senderName + " is the sender but has a different key");
        }

        Map<String, byte[]> wrapped = new TreeMap<>();
        for (Map.Entry<String, byte[]> reader : readers.entrySet()) {
            byte[] kek = keyEncryptionKey(
                    sender.agree(reader.getValue()), salt, senderName, reader.getKey(), chat, messageId);
            wrapped.put(reader.getKey(), Aead.seal(kek, contentKey, ad));
        }
        return new SealedMessage(salt, Aead.seal(contentKey, plaintext, ad), wrapped);
    }

    /**
     * Opens a message as {@code readerName}. {@code senderName}, {@code chat} and {@code messageId} must be the
     * values the reader believes (from the server's envelope): they are authenticated, so a message replayed into
     * another conversation or attributed to another sender fails here.
     */
    public static byte[] open(
            Identity reader,
            String readerName,
            byte[] senderAgreementKey,
            String senderName,
            String chat,
            String messageId,
            SealedMessage m)
            throws TamperedMessageException {
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(readerName, "readerName");
        Objects.requireNonNull(senderAgreementKey, "senderAgreementKey");
        Objects.requireNonNull(senderName, "senderName");
        Objects.requireNonNull(chat, "chat");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(m, "message");

        byte[] wrapped = m.wrappedKey(readerName);
        if (wrapped == null) {
            throw new TamperedMessageException("not addressed to you");
        }
        byte[] salt = m.salt();
        byte[] body = m.body();
        if (salt.length != SALT_LEN) {
            throw new TamperedMessageException("salt must be " + SALT_LEN + " bytes, got " + salt.length);
        }
        if (wrapped.length != WRAPPED_KEY_LEN) {
            throw new TamperedMessageException("wrapped key must be " + WRAPPED_KEY_LEN + " bytes");
        }
        if (body.length < Aead.TAG_LEN) {
            throw new TamperedMessageException("body is shorter than its tag");
        }
        byte[] ad;
        byte[] kek;
        try {
            ad = associatedData(senderName, chat, messageId);
            kek = keyEncryptionKey(reader.agree(senderAgreementKey), salt, senderName, readerName, chat, messageId);
        } catch (IllegalArgumentException e) {
            throw new TamperedMessageException("unusable sender key or names: " + e.getMessage(), e);
        }
        byte[] contentKey;
        try {
            contentKey = Aead.open(kek, wrapped, ad);
        } catch (AEADBadTagException e) {
            throw new TamperedMessageException("wrapped key fails authentication", e);
        }
        try {
            return Aead.open(contentKey, body, ad);
        } catch (AEADBadTagException e) {
            throw new TamperedMessageException("body fails authentication", e);
        }
    }

    static byte[] associatedData(String senderName, String chat, String messageId) {
        return Labels.join(Labels.MESSAGE, senderName, chat, messageId);
    }

    static byte[] keyEncryptionKey(
            byte[] dh, byte[] salt, String senderName, String readerName, String chat, String messageId) {
        byte[] info = Labels.join(Labels.WRAP, senderName, readerName, chat, messageId);
        return Hkdf.derive(salt, dh, info, Aead.KEY_LEN);
    }

    private static void checkLength(byte[] value, int length, String what) {
        Objects.requireNonNull(value, what);
        if (value.length != length) {
            throw new IllegalArgumentException(what + " must be " + length + " bytes, got " + value.length);
        }
    }
}
