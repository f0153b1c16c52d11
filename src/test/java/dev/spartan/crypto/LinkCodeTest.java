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
    private static final byte[] SLOT = HEX.parseHex("0102030405");

    private final ECPrivateKey devicePrivate = privateKey(filled(0x09));
    private final ECPublicKey deviceKey = devicePrivate.publicKey();

    @Test
    void theCodeOfAFixedSlotAndKeyIsFrozen() {
        assertThat(HEX.formatHex(deviceKey.serialize()))
                .isEqualTo("0557db4b359f23ae5e146e4e2512056704722506348c150c14753d0c933d04d421");
        LinkCode code = LinkCode.of(SLOT, deviceKey);
        assertThat(code.toString()).isEqualTo(FROZEN_CODE).matches("([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}");
        assertThat(LinkCode.parse(FROZEN_CODE)).isEqualTo(code);
        assertThat(LinkCode.parse(FROZEN_CODE).slot()).isEqualTo(SLOT);
        assertThat(LinkCode.parse(FROZEN_CODE).matches(deviceKey)).isTrue();
    }

    @Test
    void aTypedCodeMayDifferInCaseSpacingAndLookAlikes() {
        String code = LinkCode.of(SLOT, deviceKey).toString();
        String typed = code.toLowerCase(java.util.Locale.ROOT)
                .replace("-", " ")
                .replace('0', 'o')
                .replace('1', 'l');
        assertThat(LinkCode.parse(typed).matches(deviceKey)).isTrue();
    }

    @Test
    void aTypoIsToldApartFromAnotherKey() {
        String code = LinkCode.of(SLOT, deviceKey).toString();
        char first = code.charAt(0);
        String typo = (first == 'A' ? 'B' : 'A') + code.substring(1);
        assertThatThrownBy(() -> LinkCode.parse(typo))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("that link code has a typo: compare it with the new device's screen");
        assertThatThrownBy(() -> LinkCode.parse(code.substring(5)))
                .hasMessageStartingWith("that is not a link code: a code has 24 letters and digits");
        assertThatThrownBy(() -> LinkCode.parse(code.replace(code.charAt(2), 'U')))
                .hasMessageStartingWith("that is not a link code");

        ECPublicKey swapped = ECKeyPair.generate().getPublicKey();
        assertThat(LinkCode.parse(code).matches(swapped)).isFalse();
    }

    @Test
    void aBundleOpensOnlyWithTheDeviceKeyForItsSlot() throws Exception {
        byte[] bundle = "identity and pins".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = LinkSeal.seal(deviceKey, SLOT, bundle);
        assertThat(sealed).hasSize(1 + 32 + bundle.length + 16);
        assertThat(sealed[0]).isEqualTo((byte) 1);
        assertThat(LinkSeal.open(devicePrivate, SLOT, sealed)).isEqualTo(bundle);

        assertThatThrownBy(() -> LinkSeal.open(devicePrivate, HEX.parseHex("0102030406"), sealed))
                .isInstanceOf(InvalidMessageException.class);
        assertThatThrownBy(() -> LinkSeal.open(ECKeyPair.generate().getPrivateKey(), SLOT, sealed))
                .isInstanceOf(InvalidMessageException.class);
        byte[] flipped = sealed.clone();
        flipped[flipped.length - 1] ^= 1;
        assertThatThrownBy(() -> LinkSeal.open(devicePrivate, SLOT, flipped))
                .isInstanceOf(InvalidMessageException.class);
        assertThatThrownBy(() -> LinkSeal.open(devicePrivate, SLOT, new byte[] {1, 2}))
                .isInstanceOf(InvalidMessageException.class);
    }

    @Test
    void aFrozenBundleOpens() throws Exception {
        assertThat(new String(LinkSeal.open(devicePrivate, SLOT, HEX.parseHex(FROZEN_BUNDLE)), StandardCharsets.UTF_8))
                .isEqualTo("spartan");
    }

    static final String FROZEN_CODE = "0410-6105-2E93-75G9-PK6S-13FD";
    static final String FROZEN_BUNDLE =
            "01612dffe67643c25f169b7a68c5460ae7d412dd8036edf171c5d7bec0b67500161ad4ca22f768319f6db1e616c726611d99be97d732351a";

    private static ECPrivateKey privateKey(byte[] bytes) {
        try {
            return new ECPrivateKey(bytes);
        } catch (org.signal.libsignal.protocol.InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
