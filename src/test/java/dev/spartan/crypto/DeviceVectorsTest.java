package dev.spartan.crypto;

import static dev.spartan.crypto.IdentityTest.filled;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.spartan.proto.LinkBundle;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;

/** PROTOCOL.md's vectors for devices: a linked device's login challenge and a link bundle's framing. */
class DeviceVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    static final String CHALLENGE =
            "7370617274616e2f6c6f67696e2f763200616c6963652332000707070707070707070707070707070707070707070707"
                    + "0707070707070707070808080808080808080808080808080808080808080808080808080808080808";
    static final String SIGNATURE =
            "4147799c7ab77a881d1098a3ab74a68930d546cf888e34deed5c7ac76bb565579214e80bb38e84a6041e3c6f0034f397"
                    + "b502bec9cf302bdfa4702224c3da4b8c";
    static final String PAIR =
            "0a210550a61409b1ddd0325e9b16b700e719e9772c07000b1bd7786e907c653d20495d12200005050505050505050505"
                    + "050505050505050505050505050505050505050545";
    static final String BUNDLE =
            "0a450a210550a61409b1ddd0325e9b16b700e719e9772c07000b1bd7786e907c653d20495d1220000505050505050505"
                    + "05050505050505050505050505050505050505050505451230302e020100300506032b65700422042001010101010101"
                    + "010101010101010101010101010101010101010101010101011a30302e020100300506032b656e042204200202020202"
                    + "0202020202020202020202020202020202020202020202020202022206626f62096b0a3a2a6d310969642d3109616c69"
                    + "6365097509626f6209626f6209313730303030303030303030300961476b3d";

    @Test
    void aLinkedDevicesLoginChallengeNamesItsAddress() throws Exception {
        byte[] challenge = LoginProof.challengeBytes("alice#2", filled(0x07), filled(0x08));
        assertThat(HEX.formatHex(challenge)).isEqualTo(CHALLENGE);
        ECPrivateKey device = new ECPrivateKey(filled(0x09));
        byte[] signature = HEX.parseHex(SIGNATURE); // XEdDSA is randomized: one valid signature
        assertThat(LoginProof.verify(
                        device.publicKey().serialize(),
                        "alice#2",
                        filled(0x07),
                        filled(0x08),
                        device.calculateSignature(challenge)))
                .isTrue();
        assertThat(LoginProof.verify(device.publicKey().serialize(), "alice#2", filled(0x07), filled(0x08), signature))
                .isTrue();
        assertThat(LoginProof.verify(device.publicKey().serialize(), "alice", filled(0x07), filled(0x08), signature))
                .isFalse();
    }

    @Test
    void aBundlesFramingIsFrozen() throws Exception {
        ECPrivateKey identity = new ECPrivateKey(filled(0x05));
        IdentityKeyPair pair = new IdentityKeyPair(new IdentityKey(identity.publicKey()), identity);
        LinkBundle bundle = LinkBundle.newBuilder()
                .setIdentityKeyPair(ByteString.copyFrom(pair.serialize()))
                .setSigningKey(ByteString.copyFrom(KeyCodec.ed25519Pkcs8(filled(0x01))))
                .setAgreementKey(ByteString.copyFrom(KeyCodec.x25519Pkcs8(filled(0x02))))
                .setKnownIdentities(ByteString.copyFromUtf8("bob\tk\n"))
                .addMessageLog("m1\tid-1\talice\tu\tbob\tbob\t1700000000000\taGk=")
                .build();
        assertThat(HEX.formatHex(pair.serialize())).isEqualTo(PAIR);
        assertThat(HEX.formatHex(bundle.toByteArray())).isEqualTo(BUNDLE);
        assertThat(LinkBundle.parseFrom(HEX.parseHex(BUNDLE))).isEqualTo(bundle);
    }
}
