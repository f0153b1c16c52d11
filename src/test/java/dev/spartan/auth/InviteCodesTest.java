package dev.spartan.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The enrollment code's form and the hash the server keeps of it, with the vector PROTOCOL.md quotes. */
class InviteCodesTest {
    static final String HASH = "61b1500e023c33d4d6984be44289d35f21ccf875fb06f518da289703a1bcea21";

    @Test
    void theStoredHashIsSha256OfLabelUserAndTheNormalizedCode() {
        assertThat(HexFormat.of().formatHex(InviteCodes.hash("alice", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX")))
                .isEqualTo(HASH);
        // Case, dashes and blanks do not matter; the user does.
        assertThat(HexFormat.of().formatHex(InviteCodes.hash("alice", " abcd efgh-ijkl\tmnop-qrst uvwx ")))
                .isEqualTo(HASH);
        assertThat(HexFormat.of().formatHex(InviteCodes.hash("bob", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX")))
                .isNotEqualTo(HASH);
    }

    @Test
    void aCodeIs24Base32LettersInGroupsOfFour() {
        assertThat(InviteCodes.generate()).matches("[A-Z2-7]{4}(-[A-Z2-7]{4}){5}");
    }
}
