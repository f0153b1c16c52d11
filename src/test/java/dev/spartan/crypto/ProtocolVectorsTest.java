package dev.spartan.crypto;

import static dev.spartan.crypto.IdentityTest.filled;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.contract.GroupViews;
import dev.spartan.contract.KeyLogs;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Delete;
import dev.spartan.proto.Edit;
import dev.spartan.proto.GroupView;
import dev.spartan.proto.Plaintext;
import dev.spartan.proto.Reaction;
import dev.spartan.proto.Read;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.Timer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Frozen wire-format vectors, also listed in PROTOCOL.md. They were cross-checked against an independent
 * implementation (Python "cryptography"); if one of these fails, the change breaks compatibility with every
 * existing client and stored message.
 */
class ProtocolVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String SAFETY_FIRST_ROUND_ALICE = "6efb942bca06f497";

    private final Identity alice = Identity.fromSeeds(filled(0x01), filled(0x02), filled(0x05));
    private final Identity bob = Identity.fromSeeds(filled(0x03), filled(0x04), filled(0x06));

    @Test
    void publicKeys() {
        assertHex(
                alice.publicIdentity().signingKey(),
                "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c");
        assertHex(
                alice.publicIdentity().agreementKey(),
                "ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d59");
        assertHex(
                bob.publicIdentity().signingKey(), "ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1");
        assertHex(
                bob.publicIdentity().agreementKey(),
                "ac01b2209e86354fb853237b5de0f4fab13c7fcbf433a61c019369617fecf10b");
        assertThat(alice.publicIdentity().fingerprint()).isEqualTo("65cf d6e6 e623 6071");
        assertThat(bob.publicIdentity().fingerprint()).isEqualTo("b7f1 4a15 87c8 048c");
    }

    @Test
    void loginProof() {
        byte[] binding = filled(0x08); // stands for the SHA-256 of the server certificate
        byte[] challenge = LoginProof.challengeBytes("alice", filled(0x07), binding);
        assertHex(
                challenge,
                "7370617274616e2f6c6f67696e2f763200616c69636500"
                        + "0707070707070707070707070707070707070707070707070707070707070707"
                        + "0808080808080808080808080808080808080808080808080808080808080808");
        assertHex(
                alice.signalIdentity().getPublicKey().serialize(),
                "0550a61409b1ddd0325e9b16b700e719e9772c07000b1bd7786e907c653d20495d");
        // XEdDSA signatures are randomized: this is one valid proof, and a fresh one must verify too.
        byte[] signature = HEX.parseHex("30b237ce995de182cb8182caa59c2f57550053d53d0ae2fe8c466d002e01d30f"
                + "c1379bda3afa0fcb7383cd5b43c3831ac5872e949eb4ff9abfb0ac3bc25d3d8b");
        byte[] identityKey = alice.signalIdentity().getPublicKey().serialize();
        assertThat(LoginProof.verify(identityKey, "alice", filled(0x07), binding, signature))
                .isTrue();
        assertThat(LoginProof.verify(
                        identityKey,
                        "alice",
                        filled(0x07),
                        binding,
                        LoginProof.sign(alice, "alice", filled(0x07), binding)))
                .isTrue();
    }

    @Test
    void loginProofWithoutTls() {
        byte[] signature = HEX.parseHex("58ee3c20c1f3d2a6d1f7aeffc6c3ebb4d2c82ec57f6535de8badb8f009953ca6"
                + "420c5466c24dc0488432993233c8c3914fd7c0f19be5cbd6a4b3ee597bdd058e");
        assertThat(LoginProof.verify(
                        alice.signalIdentity().getPublicKey().serialize(),
                        "alice",
                        filled(0x07),
                        new byte[32],
                        signature))
                .isTrue();
    }

    @Test
    void safetyNumber() {
        assertHex(
                bob.signalIdentity().getPublicKey().serialize(),
                "05f5b2d6e60f9477e310c2982daaa6c9136c108a1777c5947e448fa37d68174557");
        assertThat(SafetyNumber.of(
                        "alice",
                        alice.signalIdentity().getPublicKey(),
                        "bob",
                        bob.signalIdentity().getPublicKey()))
                .isEqualTo("04152 90709 38245 89703 79186 32615 81419 03943 17026 73021 93173 10221");
    }

    /**
     * PROTOCOL.md's recipe for the safety number in plain SHA-512, without libsignal: what a binding that has no
     * NumericFingerprintGenerator computes. It must give the vector and libsignal's digits.
     */
    @Test
    void safetyNumberFromTheRecipe() throws Exception {
        byte[] aliceKey = alice.signalIdentity().getPublicKey().serialize();
        byte[] bobKey = bob.signalIdentity().getPublicKey().serialize();
        byte[] first = MessageDigest.getInstance("SHA-512")
                .digest(KeyCodec.concat(
                        new byte[] {0, 0}, aliceKey, "alice".getBytes(StandardCharsets.UTF_8), aliceKey));
        assertHex(
                Arrays.copyOf(first, 8), // the first of the 5,200 rounds, to locate a mistake
                SAFETY_FIRST_ROUND_ALICE);
        String aliceHalf = half("alice", aliceKey);
        String bobHalf = half("bob", bobKey);
        assertThat(aliceHalf).isEqualTo("041529070938245897037918632615");
        assertThat(bobHalf).isEqualTo("814190394317026730219317310221");
        String digits = aliceHalf.compareTo(bobHalf) <= 0 ? aliceHalf + bobHalf : bobHalf + aliceHalf;
        assertThat(digits.replaceAll("(\\d{5})(?!$)", "$1 "))
                .isEqualTo(SafetyNumber.of(
                        "alice",
                        alice.signalIdentity().getPublicKey(),
                        "bob",
                        bob.signalIdentity().getPublicKey()))
                .isEqualTo("04152 90709 38245 89703 79186 32615 81419 03943 17026 73021 93173 10221");
    }

    /** One party's 30 digits: 5,200 rounds of SHA-512, then six 5-byte big-endian numbers mod 100,000. */
    private static String half(String name, byte[] identityKey) throws Exception {
        MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
        byte[] hash = KeyCodec.concat(new byte[] {0, 0}, identityKey, name.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 5200; i++) {
            sha512.update(hash);
            hash = sha512.digest(identityKey);
        }
        StringBuilder out = new StringBuilder();
        for (int chunk = 0; chunk < 6; chunk++) {
            long value = 0;
            for (int i = 0; i < 5; i++) {
                value = (value << 8) | (hash[chunk * 5 + i] & 0xff);
            }
            out.append(String.format("%05d", value % 100_000));
        }
        return out.toString();
    }

    /** The envelope's protobuf bytes (PROTOCOL.md, "The envelope"): field numbers and wire types, not names. */
    @Test
    void envelopeBytes() throws Exception {
        Plaintext oneToOne = Plaintext.newBuilder()
                .setText("hi")
                .setCounter(1)
                .setMessageId("m1")
                .setChat(ChatRef.newBuilder().setUser("bob"))
                .build();
        assertHex(oneToOne.toByteArray(), "0a026869" + "1001" + "1a026d31" + "2205" + "0a03626f62");
        Plaintext inGroup = Plaintext.newBuilder()
                .setText("hi")
                .setCounter(300)
                .setMessageId("m2")
                .setChat(ChatRef.newBuilder().setGroup("team"))
                .build();
        assertHex(inGroup.toByteArray(), "0a026869" + "10ac02" + "1a026d32" + "2206" + "12047465616d");

        Sealed sealed = Sealed.newBuilder()
                .putCiphertexts(
                        "bob",
                        Ciphertext.newBuilder()
                                .setType(3)
                                .setBody(ByteString.fromHex("010203"))
                                .build())
                .addUnreadable("eve")
                .build();
        assertHex(sealed.toByteArray(), "220e" + "0a03626f62" + "1207" + "0803" + "1203010203" + "2a03657665");
        SendRequest send = SendRequest.newBuilder()
                .setMessageId("m1")
                .setTo(ChatRef.newBuilder().setUser("bob"))
                .setSealed(sealed)
                .build();
        assertHex(send.toByteArray(), "0a026d31" + "12050a03626f62" + "1a15" + HEX.formatHex(sealed.toByteArray()));

        // Sender keys (PROTOCOL.md, "The envelope", sender-key path): the one ciphertext, the holders, a carrier.
        Sealed senderKey = Sealed.newBuilder()
                .putCiphertexts(
                        "bob#2",
                        Ciphertext.newBuilder()
                                .setType(3)
                                .setBody(ByteString.fromHex("010203"))
                                .build())
                .setSenderKey(ByteString.fromHex("0a0b0c"))
                .addKeyHolders("bob")
                .addKeyHolders("eve")
                .build();
        assertHex(
                senderKey.toByteArray(),
                "2210" + "0a05626f622332" + "1207" + "0803" + "1203010203" + "a20603" + "0a0b0c" + "aa0603" + "626f62"
                        + "aa0603" + "657665");
        Plaintext carrier = Plaintext.newBuilder()
                .setMessageId("m3")
                .setChat(ChatRef.newBuilder().setGroup("team"))
                .setSenderKeyDistribution(ByteString.fromHex("330102"))
                .build();
        assertHex(carrier.toByteArray(), "1a026d33" + "2206" + "12047465616d" + "a20603" + "330102");

        // What a library that renamed message_id and chat (and so never set them) sends: it parses without a word,
        // and the reader finds an empty message_id and no chat, which it must drop as a moved message.
        Plaintext renamed = Plaintext.parseFrom(HEX.parseHex("0a026869" + "1001"));
        assertThat(renamed.getMessageId()).isEmpty();
        assertThat(renamed.hasChat()).isFalse();
    }

    /** The message actions' Plaintext fields 10-16 (PROTOCOL.md, "Message actions"), each vector as listed there. */
    @Test
    void actionBytes() {
        ChatRef bob = ChatRef.newBuilder().setUser("bob").build();
        String toBob = "2205" + "0a03626f62";
        assertHex(
                Plaintext.newBuilder()
                        .setText("ok")
                        .setCounter(2)
                        .setMessageId("m3")
                        .setChat(bob)
                        .setReplyTo("m1")
                        .build()
                        .toByteArray(),
                "0a026f6b" + "1002" + "1a026d33" + toBob + "52026d31");
        assertHex(
                Plaintext.newBuilder()
                        .setText("hi")
                        .setCounter(3)
                        .setMessageId("m4")
                        .setChat(bob)
                        .setExpireAfterSeconds(3600)
                        .build()
                        .toByteArray(),
                "0a026869" + "1003" + "1a026d34" + toBob + "58901c");
        assertHex(
                action(4, "m5", bob)
                        .setEdit(Edit.newBuilder().setMessageId("m1").setText("hi!"))
                        .build()
                        .toByteArray(),
                "1004" + "1a026d35" + toBob + "6209" + "0a026d31" + "1203686921");
        assertHex(
                action(5, "m6", bob)
                        .setDelete(Delete.newBuilder().setMessageId("m1"))
                        .build()
                        .toByteArray(),
                "1005" + "1a026d36" + toBob + "6a04" + "0a026d31");
        assertHex(
                action(6, "m7", ChatRef.newBuilder().setGroup("team").build())
                        .setReaction(Reaction.newBuilder().setMessageId("m1").setEmoji("\uD83D\uDC4D"))
                        .build()
                        .toByteArray(),
                "1006" + "1a026d37" + "2206" + "12047465616d" + "720a" + "0a026d31" + "1204f09f918d");
        assertHex(
                action(7, "m8", bob)
                        .setRead(Read.newBuilder().addMessageIds("m1").addMessageIds("m2"))
                        .build()
                        .toByteArray(),
                "1007" + "1a026d38" + toBob + "7a08" + "0a026d31" + "0a026d32");
        assertHex(
                action(8, "m9", bob)
                        .setTimer(Timer.newBuilder().setSeconds(3600))
                        .build()
                        .toByteArray(),
                "1008" + "1a026d39" + toBob + "820103" + "08901c");
        assertHex(
                SendRequest.newBuilder()
                        .setMessageId("m4")
                        .setTo(bob)
                        .setExpireAfterSeconds(3600)
                        .build()
                        .toByteArray(),
                "0a026d34" + "12050a03626f62" + "50901c");
    }

    private static Plaintext.Builder action(long counter, String messageId, ChatRef chat) {
        return Plaintext.newBuilder()
                .setCounter(counter)
                .setMessageId(messageId)
                .setChat(chat);
    }

    /** PROTOCOL.md, "Group views": the member-set hash's input and digest, and a group message's Plaintext. */
    @Test
    void groupView() throws Exception {
        String input = "7370617274616e2f67726f75702d766965772f763100" // "spartan/group-view/v1" 0x00
                + "00000004" + "70726f6a" // the group
                + "0000000000000001" // version
                + "00000003" // three members, sorted
                + "00000005616c696365" + "00000003626f62" + "00000003657665";
        String digest = "def054138c7729679755281618eac89f3096231aab9fe2719a90bf6ee61f19f2";
        assertHex(MessageDigest.getInstance("SHA-256").digest(HEX.parseHex(input)), digest);
        GroupView view = GroupViews.of("proj", 1, List.of("eve", "bob", "alice"));
        assertHex(view.getMembersHash().toByteArray(), digest);
        assertHex(
                GroupViews.of("group1", 0, List.of("alice", "bob", "charlie", "eve"))
                        .getMembersHash()
                        .toByteArray(),
                "08f9983662d471416bc714818b668e4a78e08aac54f020e83a276a2d66d32088");
        Plaintext inGroup = Plaintext.newBuilder()
                .setText("hi")
                .setCounter(1)
                .setMessageId("m1")
                .setChat(ChatRef.newBuilder().setGroup("proj"))
                .setGroupView(view)
                .build();
        assertHex(
                inGroup.toByteArray(),
                "0a026869" + "1001" + "1a026d31" + "2206" + "120470726f6a" // as in envelopeBytes
                        + "f20135" // field 30, 53 bytes
                        + "0801" + "1205616c696365" + "1203626f62" + "1203657665" + "1a20" + digest);
    }

    /** PROTOCOL.md, "Key transparency": an entry's bytes and its leaf hash (the tree's own vectors: MerkleTreeTest). */
    @Test
    void keyLogEntry() {
        byte[] entry =
                KeyLogs.entry("alice", 1, alice.signalIdentity().getPublicKey().serialize());
        assertHex(
                entry,
                "00000005" + "616c696365" + "00000001" + "00000021"
                        + "0550a61409b1ddd0325e9b16b700e719e9772c07000b1bd7786e907c653d20495d");
        assertHex(MerkleTree.leafHash(entry), "0c82a78abb34657834bd10851591fcb19dd0a09b32037134bc7a551ae15ac892");
        assertThat(KeyLogs.parse(entry))
                .hasValueSatisfying(e -> assertThat(e.user()).isEqualTo("alice"));
    }

    private static void assertHex(byte[] actual, String expectedHex) {
        assertThat(HEX.formatHex(actual)).isEqualTo(expectedHex);
    }
}
