package dev.spartan.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageCryptoTest {
    private static final String ID = "6f1c2a9e-0000-4000-8000-000000000042";
    private static final byte[] TEXT = "café 🎉".getBytes(StandardCharsets.UTF_8);

    private final Identity alice = Identity.generate();
    private final Identity bob = Identity.generate();
    private final Identity charlie = Identity.generate();
    private final Identity eve = Identity.generate();

    private SealedMessage sealToGroup() {
        return MessageCrypto.seal(
                alice, "alice", "#group1", ID, TEXT, Map.of("bob", key(bob), "charlie", key(charlie)));
    }

    @Test
    void roundTripForEveryReaderIncludingTheSender() throws Exception {
        SealedMessage m = sealToGroup();
        assertThat(m.wrappedKeys()).containsOnlyKeys("alice", "bob", "charlie");
        assertThat(m.salt()).hasSize(32);
        assertThat(m.body()).hasSize(TEXT.length + 16);
        m.wrappedKeys().values().forEach(w -> assertThat(w).hasSize(48));

        for (Map.Entry<String, Identity> r :
                Map.of("alice", alice, "bob", bob, "charlie", charlie).entrySet()) {
            byte[] plain = MessageCrypto.open(r.getValue(), r.getKey(), key(alice), "alice", "#group1", ID, m);
            assertThat(new String(plain, StandardCharsets.UTF_8)).isEqualTo("café 🎉");
        }
    }

    @Test
    void oneToOneRoundTrip() throws Exception {
        SealedMessage m = MessageCrypto.seal(alice, "alice", "@bob", ID, TEXT, Map.of("bob", key(bob)));
        assertThat(MessageCrypto.open(bob, "bob", key(alice), "alice", "@bob", ID, m))
                .isEqualTo(TEXT);
    }

    @Test
    void emptyPlaintextRoundTrips() throws Exception {
        SealedMessage m = MessageCrypto.seal(alice, "alice", "@bob", ID, new byte[0], Map.of("bob", key(bob)));
        assertThat(MessageCrypto.open(bob, "bob", key(alice), "alice", "@bob", ID, m))
                .isEmpty();
    }

    @Test
    void nonReaderCannotOpen() {
        SealedMessage m = sealToGroup();
        assertThatThrownBy(() -> MessageCrypto.open(eve, "eve", key(alice), "alice", "#group1", ID, m))
                .isInstanceOf(TamperedMessageException.class)
                .hasMessageContaining("not addressed to you");
        // Claiming to be a reader does not help without that reader's private key.
        assertThatThrownBy(() -> MessageCrypto.open(eve, "bob", key(alice), "alice", "#group1", ID, m))
                .isInstanceOf(TamperedMessageException.class);
    }

    @Test
    void flippedBitInBodyIsDetected() {
        SealedMessage m = sealToGroup();
        byte[] body = m.body();
        body[0] ^= 1;
        assertTampered(new SealedMessage(m.salt(), body, m.wrappedKeys()));
        byte[] tag = m.body();
        tag[tag.length - 1] ^= (byte) 0x80;
        assertTampered(new SealedMessage(m.salt(), tag, m.wrappedKeys()));
    }

    @Test
    void flippedBitInWrappedKeyIsDetected() {
        SealedMessage m = sealToGroup();
        Map<String, byte[]> wrapped = m.wrappedKeys();
        wrapped.get("bob")[5] ^= 4;
        assertTampered(new SealedMessage(m.salt(), m.body(), wrapped));
    }

    @Test
    void flippedBitInSaltIsDetected() {
        SealedMessage m = sealToGroup();
        byte[] salt = m.salt();
        salt[31] ^= 1;
        assertTampered(new SealedMessage(salt, m.body(), m.wrappedKeys()));
    }

    @Test
    void associatedDataBindsSenderChatAndMessageId() {
        SealedMessage m = sealToGroup();
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", key(alice), "charlie", "#group1", ID, m))
                .isInstanceOf(TamperedMessageException.class);
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", key(alice), "alice", "#group2", ID, m))
                .isInstanceOf(TamperedMessageException.class);
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", key(alice), "alice", "@bob", ID, m))
                .isInstanceOf(TamperedMessageException.class);
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", key(alice), "alice", "#group1", ID + "x", m))
                .isInstanceOf(TamperedMessageException.class);
        // Right names, wrong sender key: charlie cannot pass off a message as alice's (without knowing K).
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", key(charlie), "alice", "#group1", ID, m))
                .isInstanceOf(TamperedMessageException.class);
    }

    @Test
    void hostileShapesAreTamperedNotCrashes() {
        SealedMessage m = sealToGroup();
        Map<String, byte[]> shortKey = new HashMap<>(m.wrappedKeys());
        shortKey.put("bob", new byte[3]);
        assertTampered(new SealedMessage(m.salt(), m.body(), shortKey));
        assertTampered(new SealedMessage(new byte[0], m.body(), m.wrappedKeys()));
        assertTampered(new SealedMessage(m.salt(), new byte[5], m.wrappedKeys()));
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", new byte[32], "alice", "#group1", ID, m))
                .isInstanceOf(TamperedMessageException.class);
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", new byte[7], "alice", "#group1", ID, m))
                .isInstanceOf(TamperedMessageException.class);
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", key(alice), "al\0ice", "#group1", ID, m))
                .isInstanceOf(TamperedMessageException.class);
    }

    @Test
    void twoSealsOfSamePlaintextDiffer() {
        SealedMessage first = sealToGroup();
        SealedMessage second = sealToGroup();
        assertThat(first).isNotEqualTo(second);
        assertThat(first.body()).isNotEqualTo(second.body());
        assertThat(first.salt()).isNotEqualTo(second.salt());
        assertThat(first.wrappedKeys().get("bob"))
                .isNotEqualTo(second.wrappedKeys().get("bob"));
    }

    @Test
    void sealRejectsNulInNamesAndAWrongKeyForTheSender() {
        assertThatThrownBy(() -> MessageCrypto.seal(alice, "alice", "@bo\0b", ID, TEXT, Map.of("bob", key(bob))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MessageCrypto.seal(
                        alice, "alice", "@bob", ID, TEXT, Map.of("alice", key(bob), "bob", key(bob))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alice");
    }

    @Test
    void sealedMessageEqualityIsByContentAndImmutable() {
        SealedMessage m = sealToGroup();
        SealedMessage copy = new SealedMessage(m.salt(), m.body(), m.wrappedKeys());
        assertThat(copy).isEqualTo(m).hasSameHashCodeAs(m);
        m.wrappedKeys().get("bob")[0] ^= 1;
        m.body()[0] ^= 1;
        assertThat(copy).isEqualTo(m);
    }

    private void assertTampered(SealedMessage m) {
        assertThatThrownBy(() -> MessageCrypto.open(bob, "bob", key(alice), "alice", "#group1", ID, m))
                .isInstanceOf(TamperedMessageException.class);
    }

    private static byte[] key(Identity id) {
        return id.publicIdentity().agreementKey();
    }
}
