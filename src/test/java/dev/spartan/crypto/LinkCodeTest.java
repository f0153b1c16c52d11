package dev.spartan.crypto;

import static dev.spartan.crypto.IdentityTest.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/** Vectors cross-checked against an independent RFC 9180 implementation (Python "cryptography"). */
class LinkCodeTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] SLOT = HEX.parseHex("01020304");
    private static final byte[] SECRET = HEX.parseHex("0a0b0c0d0e0f");

    private final ECPrivateKey devicePrivate = privateKey(filled(0x09));
    private final ECPublicKey deviceKey = devicePrivate.publicKey();

    @Test
    void theCodeOfAFixedSlotAndKeyIsFrozen() {
        assertThat(HEX.formatHex(deviceKey.serialize()))
                .isEqualTo("0557db4b359f23ae5e146e4e2512056704722506348c150c14753d0c933d04d421");
        LinkCode code = LinkCode.of(SLOT, deviceKey, SECRET);
        assertThat(code.toString()).isEqualTo(FROZEN_CODE).matches("([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}");
        assertThat(LinkCode.parse(FROZEN_CODE)).isEqualTo(code);
        assertThat(LinkCode.parse(FROZEN_CODE).slot()).isEqualTo(SLOT);
        assertThat(LinkCode.parse(FROZEN_CODE).matches(deviceKey)).isTrue();
    }

    @Test
    void aTypedCodeMayDifferInCaseSpacingAndLookAlikes() {
        String code = LinkCode.create(SLOT, deviceKey).toString();
        String typed = code.toLowerCase(java.util.Locale.ROOT)
                .replace("-", " ")
                .replace('0', 'o')
                .replace('1', 'l');
        assertThat(LinkCode.parse(typed).matches(deviceKey)).isTrue();
    }

    @Test
    void aTypoIsToldApartFromAnotherKey() {
        // A fixed code: a random one would miss a typo by chance once in 65,536 runs.
        String code = FROZEN_CODE;
        String typo = "A" + code.substring(1);
        assertThatThrownBy(() -> LinkCode.parse(typo))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("that link code has a typo: compare it with the new device's screen");
        assertThatThrownBy(() -> LinkCode.parse(code.substring(5)))
                .hasMessageStartingWith("that is not a link code: a code has 32 letters and digits");
        assertThatThrownBy(() -> LinkCode.parse(code.replace(code.charAt(2), 'U')))
                .hasMessageStartingWith("that is not a link code");

        ECPublicKey swapped = ECKeyPair.generate().getPublicKey();
        assertThat(LinkCode.parse(code).matches(swapped)).isFalse();
    }

    @Test
    void aBundleOpensOnlyWithTheDeviceKeyAndTheWholeCode() throws Exception {
        LinkCode code = LinkCode.create(SLOT, deviceKey);
        byte[] bundle = "identity and pins".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = LinkSeal.seal(deviceKey, code, bundle);
        assertThat(sealed).hasSize(1 + 32 + bundle.length + 16);
        assertThat(sealed[0]).isEqualTo((byte) 1);
        assertThat(LinkSeal.open(devicePrivate, code, sealed)).isEqualTo(bundle);

        // The server knows the slot and the key, not the secret: a bundle it seals itself does not open.
        LinkCode serversGuess = LinkCode.create(SLOT, deviceKey);
        assertThatThrownBy(() -> LinkSeal.open(devicePrivate, code, LinkSeal.seal(deviceKey, serversGuess, bundle)))
                .isInstanceOf(InvalidMessageException.class);
        LinkCode otherSlot = LinkCode.of(HEX.parseHex("01020305"), deviceKey, code.secret());
        assertThatThrownBy(() -> LinkSeal.open(devicePrivate, otherSlot, sealed))
                .isInstanceOf(InvalidMessageException.class);
        assertThatThrownBy(() -> LinkSeal.open(ECKeyPair.generate().getPrivateKey(), code, sealed))
                .isInstanceOf(InvalidMessageException.class);
        byte[] flipped = sealed.clone();
        flipped[flipped.length - 1] ^= 1;
        assertThatThrownBy(() -> LinkSeal.open(devicePrivate, code, flipped))
                .isInstanceOf(InvalidMessageException.class);
        assertThatThrownBy(() -> LinkSeal.open(devicePrivate, code, new byte[] {1, 2}))
                .isInstanceOf(InvalidMessageException.class);
    }

    @Test
    void aFrozenBundleOpens() throws Exception {
        LinkCode code = LinkCode.parse(FROZEN_CODE);
        assertThat(code.secret()).isEqualTo(SECRET);
        assertThat(new String(LinkSeal.open(devicePrivate, code, HEX.parseHex(FROZEN_BUNDLE)), StandardCharsets.UTF_8))
                .isEqualTo("spartan");
    }

    static final String FROZEN_CODE = "0410-610K-J8SS-C2DM-SP80-M2RC-1M70-ZDQX";
    static final String FROZEN_BUNDLE =
            "0117756d5c900c773dbb69f187f688deb0c07d06acc632015ee67382f0cd35e23a2c61c65d6c612f3db1cf6494a04698472f6bee4ddb8623";

    private static ECPrivateKey privateKey(byte[] bytes) {
        try {
            return new ECPrivateKey(bytes);
        } catch (org.signal.libsignal.protocol.InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
