package dev.spartan.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The record an outstanding enrollment code is stored as (PROTOCOL.md, Enrollment). */
class InviteTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void theRecordIsTheExpiryInBigEndianMillisThenTheHash() {
        byte[] hash = HEX.parseHex("61b1500e023c33d4d6984be44289d35f21ccf875fb06f518da289703a1bcea21");
        Invite invite = new Invite(hash, 1_893_456_000_000L); // 2030-01-01T00:00:00Z
        assertThat(HEX.formatHex(invite.encode()))
                .isEqualTo("000001b8dac5b400" + "61b1500e023c33d4d6984be44289d35f21ccf875fb06f518da289703a1bcea21");
        assertThat(Invite.decode(invite.encode())).isEqualTo(invite);
    }
}
